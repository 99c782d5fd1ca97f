import { randomUUID } from "node:crypto"
import { userInfo } from "node:os"
import { appendAuditEntry } from "@wt/audit-log"
import { issueResponderDevice, listResponderDevices, type ResponderDeviceHolder, revokeResponderDevice } from "@wt/registry"
import { Clock, Console, Effect, Layer, Option, Redacted } from "effect"
import { Command, Flag } from "effect/cli"
import { CliFailure, reportingFailures } from "../cli-failure.ts"
import { CliDatabase } from "../database.ts"
import { CliNats } from "../nats.ts"

const tenantFlag = Flag.String("tenant").pipe(Flag.withDescription("Tenant id, e.g. demo"))

/** Issuing and revoking a responder device is a configuration change: audited, the token never in it. */
const auditDeviceChange = Effect.fn("Cli.responders.auditDeviceChange")(function*(tenant: string, summary: string, data: Record<string, unknown>, residentId?: string) {
  const at = new Date(yield* Clock.currentTimeMillis).toISOString()
  yield* appendAuditEntry({
    id: `cfg-${randomUUID()}`,
    tenant,
    kind: "config_change",
    at,
    actor: { kind: "admin", id: userInfo().username },
    subject: residentId === undefined ? {} : { residentId },
    summary,
    data: { entity: "responder_device", ...data }
  })
})

const holderOf = (member: Option.Option<string>, resident: Option.Option<string>, contact: Option.Option<number>): ResponderDeviceHolder | undefined =>
  Option.isSome(member) && Option.isNone(resident) && Option.isNone(contact)
    ? { kind: "member", memberId: member.value }
    : Option.isNone(member) && Option.isSome(resident) && Option.isSome(contact)
    ? { kind: "contact", residentId: resident.value, position: contact.value }
    : undefined

const issue = Command.make(
  "issue",
  {
    tenant: tenantFlag,
    member: Flag.String("member").pipe(Flag.withDescription("A team member's id (their phone)"), Flag.optional),
    resident: Flag.String("resident").pipe(Flag.withDescription("A resident's id (with --contact: a next of kin's phone)"), Flag.optional),
    contact: Flag.Int("contact").pipe(Flag.withDescription("The next of kin's place in the resident's contact list, from 1"), Flag.optional),
    label: Flag.String("label").pipe(Flag.withDescription("What the device is called in lists"), Flag.optional)
  },
  Effect.fn("cli.responders.issue")(function*({ tenant, member, resident, contact, label }) {
    const holder = holderOf(member, resident, contact)
    if (holder === undefined) return yield* new CliFailure({ message: "give either --member <id>, or --resident <id> with --contact <n>" })
    const issued = yield* issueResponderDevice({ tenant, holder, ...(Option.isSome(label) ? { label: label.value } : {}) })
    // No token leaves without its audit entry: if the entry cannot be written, the device is revoked again.
    yield* auditDeviceChange(
      tenant,
      `responder device ${issued.id} issued to ${holder.kind === "member" ? `team member ${holder.memberId}` : `contact ${holder.position} of resident ${holder.residentId}`} (wt responders issue)`,
      { action: "issued", deviceId: issued.id, holder },
      holder.kind === "contact" ? holder.residentId : undefined
    ).pipe(Effect.tapError(() => revokeResponderDevice(tenant, issued.id)))
    yield* Console.log(JSON.stringify({ id: issued.id, tenant, holder, token: Redacted.value(issued.token) }, null, 2))
    yield* Console.error("wt: the token is shown this once (only its sha256 is kept): put it on the device now, as Authorization: Bearer <token>")
  }, Effect.provide(Layer.merge(CliDatabase, CliNats)), reportingFailures)
).pipe(
  Command.withDescription("Issue a responder device (a team member's or a next of kin's phone) a new random token, shown once"),
  Command.withExamples([
    { command: "wt responders issue --tenant demo --member team-nord-m1", description: "A phone for a home-care team member" },
    { command: "wt responders issue --tenant demo --resident res-0001 --contact 1", description: "A phone for a resident's first next of kin" }
  ])
)

const list = Command.make(
  "list",
  { tenant: tenantFlag },
  Effect.fn("cli.responders.list")(function*({ tenant }) {
    yield* Console.log(JSON.stringify(yield* listResponderDevices(tenant), null, 2))
  }, Effect.provide(CliDatabase), reportingFailures)
).pipe(Command.withDescription("The tenant's responder devices (never their tokens), revoked ones too"))

const revoke = Command.make(
  "revoke",
  { tenant: tenantFlag, device: Flag.String("device").pipe(Flag.withDescription("The device's id, as wt responders list shows it")) },
  Effect.fn("cli.responders.revoke")(function*({ tenant, device }) {
    if (!(yield* revokeResponderDevice(tenant, device))) {
      return yield* new CliFailure({ message: `tenant ${tenant} has no responder device ${device} that is not revoked already` })
    }
    yield* auditDeviceChange(tenant, `responder device ${device} revoked (wt responders revoke)`, { action: "revoked", deviceId: device })
    yield* Console.log(`Revoked ${device}: its token no longer works.`)
  }, Effect.provide(Layer.merge(CliDatabase, CliNats)), reportingFailures)
).pipe(Command.withDescription("Revoke a responder device: its token stops working at once"))

export const responders = Command.make("responders").pipe(
  Command.withDescription("Responder devices: team members' and next of kin's phones for dispatch's responder API"),
  Command.withSubcommands([issue, list, revoke])
)
