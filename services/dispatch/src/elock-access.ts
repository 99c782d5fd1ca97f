import { Effect, Metric } from "effect"
import type { IncidentState } from "@wt/contracts"
import { appendAuditEntry } from "@wt/audit-log"
import { grantFor, grantHolds } from "@wt/dispatch"
import { IncidentStore } from "@wt/incident-store"
import { DispatchDirectory, type OpenGrant } from "./directory.ts"
import { IncidentMirror } from "./incident-mirror.ts"

const grants = Metric.counter("wt_dispatch_elock_grants_total", { description: "E-lock access grants, by what happened to them", incremental: true })

const dispatchActor = { kind: "service" as const, id: "dispatch" }

/**
 * Time-boxed e-lock access: a grant for the assigned responder when a team accepts a call-out
 * to a resident with an e-lock, revoked when the call-out ends (completed, timed out, returned,
 * cancelled, incident closed) or its window closes. Every grant, revocation and use is audited.
 */
export const ElockAccess = Effect.gen(function*() {
  const directory = yield* DispatchDirectory
  const mirror = yield* IncidentMirror
  const store = yield* IncidentStore
  const granted = new Set<string>()

  const audit = (g: { readonly id: string; readonly tenant: string; readonly incidentId: string; readonly residentId: string }, what: string, summary: string, data: unknown) =>
    appendAuditEntry({
      id: `elock-${what}-${g.id}`,
      tenant: g.tenant,
      kind: "elock_access",
      at: new Date().toISOString(),
      actor: dispatchActor,
      subject: { incidentId: g.incidentId, residentId: g.residentId },
      summary,
      data
    })

  /** Grants what an accepted call-out calls for; a grant already stored (another copy, a restart) stays as it is. */
  const ensureGrant = Effect.fn("ElockAccess.ensureGrant")(function*(state: IncidentState) {
    const now = Date.now()
    const spec = grantFor(state, now)
    if (spec === undefined || granted.has(spec.id)) return
    const grant = { ...spec, tenant: state.tenant, incidentId: state.incidentId, residentId: state.residentId }
    const created = yield* directory.insertGrant(grant)
    granted.add(spec.id)
    if (!created) return
    yield* Metric.update(Metric.withAttributes(grants, { result: "granted" }), 1)
    yield* audit(grant, "grant", `e-lock ${spec.lockId} opened to responder ${spec.responderId} until ${new Date(spec.validToMs).toISOString()}`, {
      lockId: spec.lockId,
      responderId: spec.responderId,
      validFrom: new Date(spec.validFromMs).toISOString(),
      validTo: new Date(spec.validToMs).toISOString()
    })
  })

  const stateOf = (g: OpenGrant) =>
    Effect.gen(function*() {
      const mirrored = mirror.get(g.tenant, g.incidentId)
      if (mirrored !== undefined) return mirrored
      const stored = yield* store.load(g.tenant, g.incidentId)
      return stored._tag === "Some" ? stored.value.state : undefined
    })

  /** Revokes every grant whose call-out is over or whose window closed. */
  const revokeEnded = Effect.fn("ElockAccess.revokeEnded")(function*() {
    const now = Date.now()
    for (const g of yield* directory.openGrants) {
      const state = yield* stateOf(g)
      if (grantHolds(g, state, now)) continue
      const reason = now >= g.validToMs ? "window closed" : `call-out ${state?.handover?.stage ?? "gone"}${state !== undefined && state.endedAt !== undefined ? `, incident ${state.status}` : ""}`
      if (yield* directory.revokeGrant(g.id, reason)) {
        yield* Metric.update(Metric.withAttributes(grants, { result: "revoked" }), 1)
        yield* audit(g, "revoke", `e-lock ${g.lockId} access of responder ${g.responderId} revoked: ${reason}`, { lockId: g.lockId, responderId: g.responderId, reason })
      }
    }
  })

  /** A responder asks to open the lock: allowed only inside a live grant for this incident. Audited either way. */
  const use = Effect.fn("ElockAccess.use")(function*(tenant: string, responderId: string, incidentId: string, residentId: string) {
    const grant = yield* directory.grantFor(tenant, responderId, incidentId)
    const at = new Date().toISOString()
    const id = `${incidentId}.${responderId}.${Date.now()}`
    // The grant row may outlive its call-out by a sweep interval: the call-out's state decides.
    const live = grant._tag === "Some" && grantHolds(grant.value, yield* stateOf(grant.value), Date.now())
    if (grant._tag === "Some" && !live) yield* revokeEnded()
    if (grant._tag === "None" || !live) {
      yield* Metric.update(Metric.withAttributes(grants, { result: "use_denied" }), 1)
      yield* audit({ id, tenant, incidentId, residentId }, "use-denied", `e-lock opening refused to responder ${responderId}: no live grant`, { responderId, at })
      return undefined
    }
    yield* Metric.update(Metric.withAttributes(grants, { result: "used" }), 1)
    yield* audit({ id, tenant, incidentId, residentId }, "use", `e-lock ${grant.value.lockId} opened by responder ${responderId}`, { lockId: grant.value.lockId, responderId, grantId: grant.value.id, at })
    return grant.value
  })

  return { ensureGrant, revokeEnded, use }
})
