import { appendAuditEntry, readStreamRange, streamBounds } from "@wt/audit-log"
import { AuditEntry, Streams, Subjects } from "@wt/contracts"
import { decodeJson } from "@wt/nats"
import { Clock, Console, Effect, Option, Result } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { randomUUID } from "node:crypto"
import { userInfo } from "node:os"
import { CliFailure, reportingFailures } from "../cli-failure.ts"
import { CliNats } from "../nats.ts"

/** One look at a resident's information, as the resident is entitled to see it. */
export interface AccessRecord {
  readonly at: string
  readonly who: { readonly kind: string; readonly id: string; readonly name?: string }
  readonly why: string
  readonly incidentId?: string
  readonly tenant: string
  readonly auditSeq: number
}

const describe = (r: AccessRecord) =>
  `  ${r.at}  ${r.who.kind}:${r.who.id}${r.who.name === undefined ? "" : ` (${r.who.name})`}  ${r.why}${r.incidentId === undefined ? "" : `  [incident ${r.incidentId}]`}`

export const accessLog = Command.make(
  "access-log",
  {
    resident: Argument.String("resident").pipe(Argument.withDescription("Resident id")),
    tenant: Flag.String("tenant").pipe(Flag.withDescription("Only this tenant's entries"), Flag.optional),
    json: Flag.Boolean("json").pipe(Flag.withDescription("Print JSON"), Flag.withDefault(false))
  },
  Effect.fn("cli.accessLog")(function*({ resident, tenant, json }) {
    yield* streamBounds(Streams.audit).pipe(
      Effect.mapError(() => new CliFailure({ message: `stream ${Streams.audit} does not exist on this NATS; has the audit service run against it?` }))
    )
    const needle = Buffer.from(`"residentId":${JSON.stringify(resident)}`)
    const records: Array<AccessRecord> = []
    let unreadable = 0
    yield* readStreamRange({
      stream: Streams.audit,
      filterSubject: Subjects.audit(Option.getOrElse(tenant, () => "*"), "record_view"),
      onMessage: (m) => {
        // Most views are of other residents: skip them before decoding.
        if (Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength).indexOf(needle) < 0) return
        const decoded = decodeJson(AuditEntry, m.data)
        if (Result.isFailure(decoded)) {
          unreadable++
          return
        }
        const e = decoded.success
        if (e.subject.residentId !== resident) return
        records.push({
          at: e.at,
          who: e.actor,
          why: e.summary,
          ...(e.subject.incidentId === undefined ? {} : { incidentId: e.subject.incidentId }),
          tenant: e.tenant,
          auditSeq: m.seq
        })
      }
    })
    records.sort((a, b) => a.at.localeCompare(b.at))
    if (json) {
      yield* Console.log(JSON.stringify({ resident, views: records, unreadableEntries: unreadable }, null, 2))
    } else {
      yield* Console.log(`Who looked at resident ${resident}'s information: ${records.length} ${records.length === 1 ? "view" : "views"}`)
      for (const r of records) yield* Console.log(describe(r))
      if (unreadable > 0) yield* Console.log(`  (${unreadable} view entries could not be read; run wt audit verify)`)
    }
    // Reading the access log is itself a look at the resident's information.
    const tenants = Option.isSome(tenant) ? [tenant.value] : [...new Set(records.map((r) => r.tenant))]
    const at = new Date(yield* Clock.currentTimeMillis).toISOString()
    for (const t of tenants) {
      yield* appendAuditEntry({
        id: `access-log-${randomUUID()}`,
        tenant: t,
        kind: "record_view",
        at,
        actor: { kind: "admin", id: userInfo().username },
        subject: { residentId: resident },
        summary: "access log read with wt access-log"
      })
    }
  }, Effect.provide(CliNats), reportingFailures)
).pipe(
  Command.withDescription("Who looked at a resident's information, when and why (record_view entries of the audit trail)")
)
