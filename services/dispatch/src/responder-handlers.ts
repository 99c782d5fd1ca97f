import { randomUUID } from "node:crypto"
import { DateTime, Effect, Metric, Option, Result } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { type IncidentCommand, type IncidentState, Position, type ResponderRef } from "@wt/contracts"
import { acceptOutcome } from "@wt/dispatch"
import { IncidentStore } from "@wt/incident-store"
import { polledRoute } from "@wt/service-runtime"
import { DispatchDirectory } from "./directory.ts"
import { ElockAccess } from "./elock-access.ts"
import { IncidentMirror } from "./incident-mirror.ts"
import { openKeySafeCode, readResidentFacts } from "./resident-facts.ts"
import { ResponderApi } from "./responder-api.ts"
import { responderBody } from "./responder-body.ts"
import { AcceptRequest, AnswerRequest, CompleteRequest, EmptyRequest, RejectRequest } from "./responder-contract.ts"
import { AcceptedNotReleased, refusalsOnly, ResponderConflict, ResponderForbidden, ResponderNotFound } from "./responder-errors.ts"
import { CurrentDevice, CurrentNextOfKin, CurrentTeamMember, type TeamMemberDevice } from "./responder-middleware.ts"
import { cascadeView, offerView } from "./responder-views.ts"

const mismatches = Metric.counter("wt_dispatch_address_mismatch_total", { description: "Arrivals reported away from the confirmed address", incremental: true })

const noSuchIncident = () => new ResponderNotFound({ error: "no such incident" })
const refOf = (m: TeamMemberDevice): ResponderRef => ({ id: m.id, name: m.name, teamId: m.teamId })
/** Now, as the commands' `at`. */
const nowIso = DateTime.nowAsDate.pipe(Effect.map((date) => date.toISOString()))

/** What a step answers: the call-out as it now stands, or `{ok: true}` when the incident has none. */
const stepAnswer = (state: IncidentState | undefined) => (state?.handover !== undefined ? offerView(state) : { ok: true as const })

/**
 * The responder API's endpoints (responder-api.ts). The middleware has checked the device's
 * token and the incident id; a team member's phone receives its team's offers and reports on its
 * own call-outs, a next of kin's phone answers its cascade calls. Endpoints with a body read it
 * with `responderBody`, which keeps a refused one in WT_DLQ.
 */
export const ResponderHandlers = HttpApiBuilder.group(
  ResponderApi,
  "responder",
  Effect.fn(function*(handlers) {
    const directory = yield* DispatchDirectory
    const mirror = yield* IncidentMirror
    const store = yield* IncidentStore
    const elock = yield* ElockAccess

    /** Runs a command for the caller; the call-out as it now stands, or why not (404, 409). */
    const run = (tenant: string, incidentId: string, command: IncidentCommand) =>
      store.execute(tenant, incidentId, command).pipe(
        Effect.tap((executed) => Effect.sync(() => executed.state !== undefined && mirror.observe(executed.state))),
        Effect.catchTags({
          IncidentNotFound: () => Effect.fail(noSuchIncident()),
          HandoverConflict: (e) => Effect.fail(new ResponderConflict({ error: e.message })),
          IncidentEnded: (e) => Effect.fail(new ResponderConflict({ error: `the incident is ${e.status}` })),
          NotOwner: (e) => Effect.fail(new ResponderConflict({ error: e.message }))
        })
      )

    return handlers
      .handle("me", () => Effect.service(CurrentDevice))
      // Phones ask for their offers every few seconds: answered polls are logged at debug.
      .handle("offers", () =>
        polledRoute(Effect.gen(function*() {
          const me = yield* CurrentDevice
          const watched = mirror.watched().filter((s) => s.tenant === me.tenant)
          if (me.kind === "contact") {
            return {
              calls: watched
                .filter((s) => s.residentId === me.residentId && s.cascade?.stage === "calling" && s.cascade.calling && s.cascade.contacts[s.cascade.current]?.position === me.position)
                .map(cascadeView)
            }
          }
          return {
            offers: watched.filter((s) => s.handover?.stage === "offered" && s.handover.team?.id === me.teamId).map(offerView),
            assigned: watched
              .filter((s) => s.handover?.responder?.id === me.id && ["accepted", "en_route", "on_site"].includes(s.handover.stage))
              .map(offerView)
          }
        })))
      .handleRaw("accept", ({ params: { id: incidentId }, request }) =>
        Effect.gen(function*() {
          const me = yield* CurrentTeamMember
          const input = yield* responderBody(request, AcceptRequest, me.tenant)
          const at = yield* nowIso
          const eta = new Date(Date.parse(at) + input.etaMinutes * 60_000).toISOString()
          const r = yield* run(me.tenant, incidentId, { type: "accept_handover", at, offerNo: input.offerNo, responder: refOf(me), eta })
          // The decider takes an accept repeated by the same responder as nothing new, also once the
          // call-out is over; only a responder who holds the call-out, live, gets an answer (and a code).
          const outcome = acceptOutcome(r.state, me.id, input.offerNo)
          if (outcome.kind === "not_held") {
            const stage = r.state?.handover?.stage
            return yield* new ResponderConflict({
              error: `${outcome.reason}: accepting changes nothing and releases no key-safe code`,
              ...(stage === undefined ? {} : { stage })
            })
          }
          if (!outcome.keySafe) return stepAnswer(r.state)
          const state = r.state!
          const h = state.handover!
          const accepted = r.events.some((e) => e.type === "handover_accepted" && e.responder.id === me.id)
          // The code goes to the responder holding the call-out, and each release is an audit entry
          // of its own under their name, stored before the code leaves (a retried accept whose first
          // answer was lost gets it again, audited again).
          const released = yield* readResidentFacts({
            tenant: me.tenant,
            residentId: state.residentId,
            incidentId,
            purpose: `key-safe code released to responder ${me.id} for call-out ${h.no}, offer ${h.offerNo}${accepted ? "" : " (accept repeated)"}`,
            auditId: `keysafe-${me.tenant}.${incidentId}.${h.no}.${h.offerNo}.${randomUUID()}`,
            actor: { kind: "responder", id: me.id, name: me.name },
            data: { released: "key_safe_code", callOut: h.no, offerNo: h.offerNo, teamId: me.teamId, responderId: me.id, repeated: !accepted }
          }).pipe(Effect.result)
          if (Result.isFailure(released)) {
            yield* Effect.logWarning("key-safe code not released: its audit entry could not be stored").pipe(Effect.annotateLogs({ incidentId }))
            return yield* new AcceptedNotReleased({ ...offerView(state), error: "accepted, but the key-safe code cannot be released until its release is audited: send accept again" })
          }
          // The code is stored sealed (bound to its tenant and resident) and opened only here, after the release is audited.
          const code = Option.isNone(released.success) ? Result.succeed(Option.none<string>()) : yield* openKeySafeCode(me.tenant, state.residentId).pipe(Effect.result)
          if (Result.isFailure(code)) {
            yield* Effect.logError("key-safe code cannot be opened").pipe(Effect.annotateLogs({ incidentId, reason: code.failure._tag }))
            return yield* new AcceptedNotReleased({ ...offerView(state), error: "accepted, but the key-safe code cannot be opened here: call the response centre" })
          }
          const opened = Option.getOrUndefined(code.success)
          return { ...offerView(state), access: { kind: "key_safe" as const, ...(opened === undefined ? {} : { code: opened }) } }
        }).pipe(refusalsOnly))
      .handleRaw("reject", ({ params: { id: incidentId }, request }) =>
        Effect.gen(function*() {
          const me = yield* CurrentTeamMember
          const input = yield* responderBody(request, RejectRequest, me.tenant)
          const r = yield* run(me.tenant, incidentId, { type: "reject_handover", at: yield* nowIso, offerNo: input.offerNo, responder: refOf(me), reason: input.reason ?? "rejected" })
          return stepAnswer(r.state)
        }).pipe(refusalsOnly))
      .handleRaw("enRoute", ({ params: { id: incidentId }, request }) =>
        Effect.gen(function*() {
          const me = yield* CurrentTeamMember
          yield* responderBody(request, EmptyRequest, me.tenant)
          return stepAnswer((yield* run(me.tenant, incidentId, { type: "report_en_route", at: yield* nowIso, responder: refOf(me) })).state)
        }).pipe(refusalsOnly))
      .handleRaw("onSite", ({ params: { id: incidentId }, request }) =>
        Effect.gen(function*() {
          const me = yield* CurrentTeamMember
          const position = yield* responderBody(request, Position, me.tenant)
          const loaded = mirror.get(me.tenant, incidentId) ?? Option.getOrUndefined(Option.map(yield* store.load(me.tenant, incidentId), (s) => s.state))
          if (loaded === undefined) return yield* noSuchIncident()
          const settings = yield* directory.settings(me.tenant, loaded.residentId, loaded.alarmType)
          const r = yield* run(me.tenant, incidentId, { type: "report_on_site", at: yield* nowIso, responder: refOf(me), position, radiusM: settings.radiusM })
          if (r.state?.handover?.onSite?.atConfirmedAddress === false) {
            yield* Metric.update(mismatches, 1)
            yield* Effect.logWarning("responder arrived away from the confirmed address").pipe(
              Effect.annotateLogs({ incidentId, distanceM: r.state.handover.onSite.distanceM })
            )
          }
          return stepAnswer(r.state)
        }).pipe(refusalsOnly))
      .handleRaw("complete", ({ params: { id: incidentId }, request }) =>
        Effect.gen(function*() {
          const me = yield* CurrentTeamMember
          const input = yield* responderBody(request, CompleteRequest, me.tenant)
          return stepAnswer((yield* run(me.tenant, incidentId, { type: "complete_handover", at: yield* nowIso, responder: refOf(me), outcome: input.outcome })).state)
        }).pipe(refusalsOnly))
      .handle("unlock", ({ params: { id: incidentId } }) =>
        Effect.gen(function*() {
          const me = yield* CurrentTeamMember
          const state = mirror.get(me.tenant, incidentId)
          const grant = yield* elock.use({ tenant: me.tenant, id: me.id, name: me.name }, incidentId, state?.residentId ?? "")
          if (grant === undefined) return yield* new ResponderForbidden({ error: "no live e-lock grant for you on this call-out" })
          return { opened: true as const, lockId: grant.lockId, validTo: new Date(grant.validToMs).toISOString() }
        }).pipe(refusalsOnly))
      .handleRaw("answer", ({ params: { id: incidentId }, request }) =>
        Effect.gen(function*() {
          const me = yield* CurrentNextOfKin
          const input = yield* responderBody(request, AnswerRequest, me.tenant)
          const loaded = Option.map(yield* store.load(me.tenant, incidentId), (s) => s.state)
          if (Option.isNone(loaded) || loaded.value.residentId !== me.residentId) return yield* noSuchIncident()
          const r = yield* run(me.tenant, incidentId, {
            type: "answer_contact",
            at: yield* nowIso,
            position: me.position,
            accepted: input.accepted,
            by: { kind: "responder", id: `contact:${me.residentId}:${me.position}`, name: me.label }
          })
          return r.state?.cascade === undefined ? {} : { cascade: r.state.cascade }
        }).pipe(refusalsOnly))
  })
)
