import { randomUUID } from "node:crypto"
import { Clock, DateTime, Effect, Metric, Option } from "effect"
import type { Actor, IncidentState } from "@wt/contracts"
import { appendAuditEntry } from "@wt/audit-log"
import { grantFor, grantHolds } from "@wt/dispatch"
import { IncidentStore } from "@wt/incident-store"
import { DispatchDirectory, type OpenGrant } from "./directory.ts"
import { IncidentMirror } from "./incident-mirror.ts"

const grants = Metric.counter("wt_dispatch_elock_grants_total", { description: "E-lock access grants, by what happened to them", incremental: true })

const dispatchActor: Actor = { kind: "service", id: "dispatch" }

/** The responder asking to open a lock, as the audit names them. */
export interface LockUser {
  readonly tenant: string
  readonly id: string
  readonly name: string
}

/**
 * Time-boxed e-lock access: a grant for the assigned responder when a team accepts a call-out
 * to a resident with an e-lock, revoked when the call-out ends (completed, timed out, returned,
 * cancelled, incident closed) or its window closes. A lock id is only ever looked up within the
 * incident's tenant and among the resident's own devices: a record naming a lock that is not the
 * resident's e-lock there gets no grant. Grants and revocations are audited as dispatch's acts,
 * each opening and refusal as the responder's, in an entry of its own.
 */
export const ElockAccess = Effect.gen(function*() {
  const directory = yield* DispatchDirectory
  const mirror = yield* IncidentMirror
  const store = yield* IncidentStore
  // Per copy: grants stored or refused, so a tick does not ask again for every accepted call-out.
  const settled = new Set<string>()

  const audit = (
    g: { readonly id: string; readonly tenant: string; readonly incidentId: string; readonly residentId: string },
    what: string,
    summary: string,
    data: unknown,
    actor: Actor = dispatchActor
  ) =>
    DateTime.nowAsDate.pipe(Effect.flatMap((now) =>
      appendAuditEntry({
        id: `elock-${what}-${g.tenant}.${g.id}`,
        tenant: g.tenant,
        kind: "elock_access",
        at: now.toISOString(),
        actor,
        subject: { incidentId: g.incidentId, residentId: g.residentId },
        summary,
        data
      })
    ))

  /** Grants what an accepted call-out calls for; a grant already stored (another copy, a restart) stays as it is. */
  const ensureGrant = Effect.fn("ElockAccess.ensureGrant")(function*(state: IncidentState) {
    const now = yield* Clock.currentTimeMillis
    const spec = grantFor(state, now)
    const key = spec === undefined ? "" : `${state.tenant}.${spec.id}`
    if (spec === undefined || settled.has(key)) return
    const grant = { ...spec, tenant: state.tenant, incidentId: state.incidentId, residentId: state.residentId }
    if (Option.isNone(yield* directory.residentLock(state.tenant, state.residentId, spec.lockId))) {
      yield* Metric.update(Metric.withAttributes(grants, { result: "grant_refused" }), 1)
      yield* Effect.logWarning("e-lock grant refused: the record names no e-lock of this resident in this tenant").pipe(
        Effect.annotateLogs({ incidentId: state.incidentId })
      )
      yield* audit(grant, "no-grant", `e-lock ${spec.lockId} is not an e-lock of this resident in tenant ${state.tenant}: no grant to responder ${spec.responderId}`, {
        lockId: spec.lockId,
        responderId: spec.responderId
      })
      settled.add(key)
      return
    }
    const created = yield* directory.insertGrant(grant)
    settled.add(key)
    if (!created) return
    yield* Metric.update(Metric.withAttributes(grants, { result: "granted" }), 1)
    yield* audit(grant, "grant", `e-lock ${spec.lockId} opened to responder ${spec.responderId} until ${new Date(spec.validToMs).toISOString()}`, {
      lockId: spec.lockId,
      responderId: spec.responderId,
      validFrom: new Date(spec.validFromMs).toISOString(),
      validTo: new Date(spec.validToMs).toISOString()
    })
  })

  const stateOf = Effect.fn("ElockAccess.stateOf")(function*(g: OpenGrant) {
    const mirrored = mirror.get(g.tenant, g.incidentId)
    if (mirrored !== undefined) return mirrored
    const stored = yield* store.load(g.tenant, g.incidentId)
    return stored._tag === "Some" ? stored.value.state : undefined
  })

  /** Revokes every grant whose call-out is over or whose window closed. */
  const revokeEnded = Effect.fn("ElockAccess.revokeEnded")(function*() {
    const now = yield* Clock.currentTimeMillis
    for (const g of yield* directory.openGrants) {
      const state = yield* stateOf(g)
      if (grantHolds(g, state, now)) continue
      const reason = now >= g.validToMs ? "window closed" : `call-out ${state?.handover?.stage ?? "gone"}${state !== undefined && state.endedAt !== undefined ? `, incident ${state.status}` : ""}`
      if (yield* directory.revokeGrant(g.tenant, g.id, reason)) {
        yield* Metric.update(Metric.withAttributes(grants, { result: "revoked" }), 1)
        yield* audit(g, "revoke", `e-lock ${g.lockId} access of responder ${g.responderId} revoked: ${reason}`, { lockId: g.lockId, responderId: g.responderId, reason })
      }
    }
  })

  /**
   * A responder asks to open the lock: allowed only inside a live grant of their own tenant for
   * this incident, and only to the resident's e-lock there. Audited either way, under the responder.
   */
  const use = Effect.fn("ElockAccess.use")(function*(who: LockUser, incidentId: string, residentId: string) {
    const grant = yield* directory.grantFor(who.tenant, who.id, incidentId)
    const at = (yield* DateTime.nowAsDate).toISOString()
    const entry = { id: `${incidentId}.${who.id}.${randomUUID()}`, tenant: who.tenant, incidentId, residentId: Option.match(grant, { onNone: () => residentId, onSome: (g) => g.residentId }) }
    const actor: Actor = { kind: "responder", id: who.id, name: who.name }
    // The grant row may outlive its call-out by a sweep interval: the call-out's state decides.
    const live = grant._tag === "Some" && grantHolds(grant.value, yield* stateOf(grant.value), yield* Clock.currentTimeMillis)
    if (grant._tag === "Some" && !live) yield* revokeEnded()
    const lock = grant._tag === "Some" && live ? yield* directory.residentLock(who.tenant, grant.value.residentId, grant.value.lockId) : Option.none<string>()
    if (grant._tag === "None" || Option.isNone(lock)) {
      const why = grant._tag === "None" || !live ? "no live grant" : `e-lock ${grant.value.lockId} is not the resident's e-lock in tenant ${who.tenant}`
      yield* Metric.update(Metric.withAttributes(grants, { result: "use_denied" }), 1)
      yield* audit(entry, "use-denied", `e-lock opening refused to responder ${who.id}: ${why}`, { responderId: who.id, reason: why, at }, actor)
      return undefined
    }
    yield* Metric.update(Metric.withAttributes(grants, { result: "used" }), 1)
    yield* audit(entry, "use", `e-lock ${lock.value} opened by responder ${who.id}`, { lockId: lock.value, responderId: who.id, grantId: grant.value.id, at }, actor)
    return grant.value
  })

  return { ensureGrant, revokeEnded, use }
})
