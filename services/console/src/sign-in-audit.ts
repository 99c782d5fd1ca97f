import { createHmac, randomUUID } from "node:crypto"
import { Clock, Effect, Metric, Option, Redacted } from "effect"
import { appendAuditEntry, loadAuditFieldKey } from "@wt/audit-log"
import { type Actor, InstallationTenant } from "@wt/contracts"
import { Registry, type User } from "@wt/registry"
import { actorOf } from "./incident-commands.ts"
import type { Counted, ThrottleScopeName } from "./sign-in-throttle.ts"

const signIns = Metric.counter("wt_console_sign_ins_total", {
  description: "Console sign-in attempts, by outcome: succeeded, failed (wrong name or password), refused (throttled or locked, password not checked)",
  incremental: true
})
const locks = Metric.counter("wt_console_sign_in_locks_total", {
  description: "Sign-in locks set by a failed attempt, by what was locked: user (a user name), address (a client address), device (a browser the user signed in from)",
  incremental: true
})

/** Who a sign-in claimed to be, as the trail may name them. */
export type Claimed =
  | { readonly known: true; readonly user: User }
  /** No user has this name: the name is kept only as a keyed HMAC (it may be someone's password typed in the wrong field). */
  | { readonly known: false; readonly usernameMac: string }

export type SignInEvent =
  | { readonly outcome: "succeeded"; readonly user: User; readonly knownDevice: boolean }
  | { readonly outcome: "failed"; readonly counted: ReadonlyArray<Counted> }
  | { readonly outcome: "refused"; readonly scope: ThrottleScopeName; readonly locked: boolean; readonly retryAfterSeconds: number; readonly failures: number }

const console: Actor = { kind: "service", id: "console" }

/**
 * Sign-ins in the audit trail (`authentication` entries) and in metrics. A sign-in for an
 * existing user is written to each of the user's tenants, so each tenant's supervisors see
 * attacks on their staff; one naming no user goes to the `_installation` trail. Writing the
 * entry is waited for, but a failure to write it is logged and does not change the answer
 * (a refused sign-in stays refused; the log says what the trail lacks).
 */
export const SignInAudit = Effect.gen(function*() {
  const registry = yield* Registry
  const fieldKey = yield* loadAuditFieldKey()

  /** The keyed HMAC of a name as typed (case and width folded), used for the user-name throttle and the trail. */
  const usernameMac = (username: string) =>
    createHmac("sha256", Redacted.value(fieldKey.secret))
      .update(`wt.sign-in.username/v1\0${username.normalize("NFKC").trim().toLowerCase()}`)
      .digest("hex")

  const claimed = Effect.fn("Console.claimedUser")(function*(username: string) {
    const user = yield* registry.userByName(username)
    return Option.match(user, {
      onNone: (): Claimed => ({ known: false, usernameMac: usernameMac(username) }),
      onSome: (u): Claimed => ({ known: true, user: u })
    })
  })

  const summaryOf = (event: SignInEvent, who: string) => {
    switch (event.outcome) {
      case "succeeded":
        return `${who} signed in`
      case "failed": {
        const lockedNow = event.counted.filter((c) => c.locked).map((c) => c.scope)
        return `sign-in as ${who} failed${lockedNow.length > 0 ? `; ${lockedNow.join(" and ")} now locked` : ""}`
      }
      case "refused":
        return `sign-in as ${who} refused: ${event.scope} ${event.locked ? "locked" : "throttled"} for ${event.retryAfterSeconds} s more`
    }
  }

  const record = Effect.fn("Console.recordSignIn")(function*(who: Claimed, event: SignInEvent, client: { readonly address: string | undefined }) {
    yield* Metric.update(Metric.withAttributes(signIns, { outcome: event.outcome }), 1)
    if (event.outcome === "failed") {
      for (const c of event.counted) if (c.locked) yield* Metric.update(Metric.withAttributes(locks, { scope: c.scope }), 1)
    }
    const at = new Date(yield* Clock.currentTimeMillis).toISOString()
    const { outcome } = event
    const detail = event.outcome === "succeeded"
      ? { knownDevice: event.knownDevice }
      : event.outcome === "failed"
      ? { counted: event.counted }
      : { scope: event.scope, locked: event.locked, retryAfterSeconds: event.retryAfterSeconds, failures: event.failures }
    const data = {
      outcome,
      ...detail,
      ...(who.known ? { userId: who.user.id, username: who.user.username } : { usernameMac: `hmac-sha256:${who.usernameMac}` }),
      client: { application: "console-web", ...(client.address === undefined ? {} : { address: client.address }) }
    }
    const tenants = who.known ? who.user.tenants : [InstallationTenant]
    const actor = outcome === "succeeded" && who.known ? actorOf(who.user) : console
    for (const tenant of tenants.length === 0 ? [InstallationTenant] : tenants) {
      yield* appendAuditEntry({
        id: `auth-${randomUUID()}`,
        tenant,
        kind: "authentication",
        at,
        actor,
        subject: {},
        summary: summaryOf(event, who.known ? `user ${who.user.id}` : "an unknown user name"),
        data
      }).pipe(
        Effect.catch(() => Effect.logError("sign-in not written to the audit trail").pipe(Effect.annotateLogs({ outcome })))
      )
    }
  })

  /** A session-wide act on a user's behalf (signed out everywhere, a lock lifted), by the user or an administrator. */
  const recordAct = Effect.fn("Console.recordSessionAct")(function*(by: User, subject: User, act: "signed_out_everywhere" | "lock_lifted", data: Readonly<Record<string, unknown>>) {
    const at = new Date(yield* Clock.currentTimeMillis).toISOString()
    const summary = act === "signed_out_everywhere"
      ? (by.id === subject.id ? `user ${subject.id} signed out everywhere` : `user ${subject.id} signed out everywhere by ${by.role} ${by.id}`)
      : `sign-in lock of user ${subject.id} lifted by ${by.role} ${by.id}`
    for (const tenant of subject.tenants.length === 0 ? [InstallationTenant] : subject.tenants) {
      yield* appendAuditEntry({
        id: `auth-${randomUUID()}`,
        tenant,
        kind: "authentication",
        at,
        actor: actorOf(by),
        subject: {},
        summary,
        data: { outcome: act, userId: subject.id, username: subject.username, ...data }
      }).pipe(Effect.orDie)
    }
  })

  return { usernameMac, claimed, record, recordAct }
})
