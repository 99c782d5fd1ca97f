import { randomUUID } from "node:crypto"
import { Effect, Layer, Metric, Option, Result, Schema } from "effect"
import { HttpRouter, type HttpServerRequest, HttpServerResponse } from "effect/http"
import { Position, type IncidentCommand, type IncidentState, type ResponderRef } from "@wt/contracts"
import { acceptOutcome, hashResponderToken } from "@wt/dispatch"
import { IncidentStore } from "@wt/incident-store"
import { type Nats, sendDeadLetter } from "@wt/nats"
import type { Registry } from "@wt/registry"
import { polledRoute } from "@wt/service-runtime"
import { DispatchDirectory, type ResponderIdentity } from "./directory.ts"
import { ElockAccess } from "./elock-access.ts"
import { IncidentMirror } from "./incident-mirror.ts"
import { AcceptRequest, AnswerRequest, CompleteRequest, EmptyRequest, RejectRequest, ResponderIncidentId } from "./responder-contract.ts"
import { openKeySafeCode, readResidentFacts } from "./resident-facts.ts"

const mismatches = Metric.counter("wt_dispatch_address_mismatch_total", { description: "Arrivals reported away from the confirmed address", incremental: true })

const json = (status: number, body: unknown) => HttpServerResponse.jsonUnsafe(body, { status })

const bearer = (authorization: string | undefined) => authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1]

// The request schemas are shared with the API's OpenAPI document (responder-openapi.ts).
const Accept = AcceptRequest
const Reject = RejectRequest
const Complete = CompleteRequest
const Answer = AnswerRequest
const Empty = EmptyRequest
const isIncidentId = Schema.is(ResponderIncidentId)

/** What a responder's phone is shown for one call-out: everything needed to act, nothing more. */
const offerView = (s: IncidentState) => {
  const h = s.handover!
  return {
    incidentId: s.incidentId,
    priority: s.priority,
    alarmType: s.alarmType,
    callOut: h.no,
    offerNo: h.offerNo,
    stage: h.stage,
    team: h.team,
    reason: h.reason,
    address: h.address,
    criticalNotes: h.criticalNotes ?? [],
    access: h.access ?? { kind: "none" },
    step: h.step,
    deadline: h.deadline,
    eta: h.eta
  }
}

const cascadeView = (s: IncidentState) => ({
  incidentId: s.incidentId,
  alarmType: s.alarmType,
  position: s.cascade?.contacts[s.cascade.current]?.position,
  deadline: s.cascade?.deadline
})

/**
 * The responder API for the mobile side, on dispatch's own port. A token per device
 * (`Authorization: Bearer rsp_…`, only its sha256 stored): a team member's phone receives its
 * team's offers and reports on its own call-outs; a next of kin's phone answers its cascade calls.
 */
export const ResponderRoutes = HttpRouter.use((router) =>
  Effect.gen(function*() {
    const directory = yield* DispatchDirectory
    const mirror = yield* IncidentMirror
    const store = yield* IncidentStore
    const elock = yield* ElockAccess
    const context = yield* Effect.context<Nats | Registry>()

    const identify = (request: HttpServerRequest.HttpServerRequest) =>
      Effect.gen(function*() {
        const token = bearer(request.headers.authorization)
        if (token === undefined) return Option.none<ResponderIdentity>()
        return yield* directory.responderByTokenHash(hashResponderToken(token))
      })

    /**
     * The request's JSON body decoded, or why not. A body that is refused goes to WT_DLQ with
     * its exact bytes and the reason, so a responder app sending bad requests is seen, not guessed at.
     */
    const body = <A>(request: HttpServerRequest.HttpServerRequest, schema: Schema.Codec<A, any>, tenant: string) =>
      Effect.gen(function*() {
        const raw = new Uint8Array(yield* Effect.orElseSucceed(request.arrayBuffer, () => new ArrayBuffer(0)))
        const text = new TextDecoder().decode(raw).trim()
        let parsed: unknown = {}
        try {
          if (text.length > 0) parsed = JSON.parse(text)
        } catch (e) {
          const reason = `invalid JSON: ${e instanceof Error ? e.message : String(e)}`
          yield* refused(raw, reason, "invalid_json", tenant, request.url)
          return Result.fail({ message: reason })
        }
        // A property the request's schema does not name is refused, as the OpenAPI document says; every problem is named.
        const decoded = Schema.decodeUnknownResult(schema, { errors: "all", onExcessProperty: "error" })(parsed ?? {})
        if (Result.isFailure(decoded)) {
          yield* refused(raw, decoded.failure.message, "schema", tenant, request.url)
          return Result.fail({ message: decoded.failure.message })
        }
        return Result.succeed(decoded.success)
      })

    const refused = (raw: Uint8Array, reason: string, reasonKind: string, tenant: string, url: string) =>
      sendDeadLetter({ source: "dispatch", reason: `responder API ${url}: ${reason}`, reasonKind, raw, tenant }).pipe(
        Effect.catch((e) => Effect.logError("could not keep a refused responder request in WT_DLQ", e))
      )

    const unauthorized = json(401, { error: "a valid responder device token is required: Authorization: Bearer <token>" })

    /** Runs a command for the caller and answers with the call-out as it now stands, or why not. */
    const run = (identity: ResponderIdentity, incidentId: string, command: IncidentCommand) =>
      store.execute(identity.tenant, incidentId, command).pipe(
        Effect.tap((executed) => Effect.sync(() => executed.state !== undefined && mirror.observe(executed.state))),
        Effect.map((executed) => ({ ok: true as const, state: executed.state, events: executed.events })),
        Effect.catchTags({
          IncidentNotFound: () => Effect.succeed({ ok: false as const, status: 404, error: "no such incident" }),
          HandoverConflict: (e) => Effect.succeed({ ok: false as const, status: 409, error: e.message }),
          IncidentEnded: (e) => Effect.succeed({ ok: false as const, status: 409, error: `the incident is ${e.status}` }),
          NotOwner: (e) => Effect.succeed({ ok: false as const, status: 409, error: e.message })
        })
      )

    const memberRoute = (
      path: `/v1/responder/incidents/:id/${string}`,
      handle: (member: Extract<ResponderIdentity, { kind: "member" }>, incidentId: string, request: HttpServerRequest.HttpServerRequest) => Effect.Effect<HttpServerResponse.HttpServerResponse, unknown, Nats | Registry>
    ) =>
      HttpRouter.route("POST", path, (request: HttpServerRequest.HttpServerRequest) =>
        Effect.gen(function*() {
          const identity = yield* identify(request)
          if (Option.isNone(identity)) return unauthorized
          if (identity.value.kind !== "member") return json(403, { error: "only a team member's device can do this" })
          const { id } = yield* HttpRouter.params
          if (id === undefined || !isIncidentId(id)) return json(400, { error: "bad incident id" })
          return yield* handle(identity.value, id, request)
        }).pipe(Effect.provideContext(context), Effect.orDie))

    const refOf = (m: Extract<ResponderIdentity, { kind: "member" }>): ResponderRef => ({ id: m.id, name: m.name, teamId: m.teamId })
    const now = () => new Date().toISOString()
    const answer = (r: { ok: true; state: IncidentState | undefined } | { ok: false; status: number; error: string }) =>
      r.ok ? json(200, r.state?.handover !== undefined ? offerView(r.state) : { ok: true }) : json(r.status, { error: r.error })
    const invalid = (e: { readonly message: string }) => json(400, { error: e.message })

    yield* router.addAll([
      HttpRouter.route("GET", "/v1/responder/me", (request: HttpServerRequest.HttpServerRequest) =>
        Effect.map(identify(request), (identity) => Option.match(identity, { onNone: () => unauthorized, onSome: (i) => json(200, i) })).pipe(Effect.orDie)),
      // Phones ask for their offers every few seconds: answered polls are logged at debug.
      HttpRouter.route("GET", "/v1/responder/offers", (request: HttpServerRequest.HttpServerRequest) =>
        polledRoute(Effect.gen(function*() {
          const identity = yield* identify(request)
          if (Option.isNone(identity)) return unauthorized
          const me = identity.value
          const watched = mirror.watched().filter((s) => s.tenant === me.tenant)
          if (me.kind === "contact") {
            return json(200, {
              calls: watched
                .filter((s) => s.residentId === me.residentId && s.cascade?.stage === "calling" && s.cascade.calling && s.cascade.contacts[s.cascade.current]?.position === me.position)
                .map(cascadeView)
            })
          }
          return json(200, {
            offers: watched.filter((s) => s.handover?.stage === "offered" && s.handover.team?.id === me.teamId).map(offerView),
            assigned: watched
              .filter((s) => s.handover?.responder?.id === me.id && ["accepted", "en_route", "on_site"].includes(s.handover.stage))
              .map(offerView)
          })
        })).pipe(Effect.orDie)),
      memberRoute("/v1/responder/incidents/:id/accept", (me, incidentId, request) =>
        Effect.gen(function*() {
          const input = yield* body(request, Accept, me.tenant)
          if (Result.isFailure(input)) return invalid(input.failure)
          const at = now()
          const eta = new Date(Date.parse(at) + input.success.etaMinutes * 60_000).toISOString()
          const r = yield* run(me, incidentId, { type: "accept_handover", at, offerNo: input.success.offerNo, responder: refOf(me), eta })
          if (!r.ok) return answer(r)
          // The decider takes an accept repeated by the same responder as nothing new, also once the
          // call-out is over; only a responder who holds the call-out, live, gets an answer (and a code).
          const outcome = acceptOutcome(r.state, me.id, input.success.offerNo)
          if (outcome.kind === "not_held") {
            return json(409, { error: `${outcome.reason}: accepting changes nothing and releases no key-safe code`, stage: r.state?.handover?.stage })
          }
          if (!outcome.keySafe) return answer(r)
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
            return json(503, { ...offerView(state), error: "accepted, but the key-safe code cannot be released until its release is audited: send accept again" })
          }
          // The code is stored sealed (bound to its tenant and resident) and opened only here, after the release is audited.
          const code = Option.isNone(released.success) ? Result.succeed(Option.none<string>()) : yield* openKeySafeCode(me.tenant, state.residentId).pipe(Effect.result)
          if (Result.isFailure(code)) {
            yield* Effect.logError("key-safe code cannot be opened").pipe(Effect.annotateLogs({ incidentId, reason: code.failure._tag }))
            return json(503, { ...offerView(state), error: "accepted, but the key-safe code cannot be opened here: call the response centre" })
          }
          return json(200, { ...offerView(state), access: { kind: "key_safe", code: Option.getOrUndefined(code.success) } })
        })),
      memberRoute("/v1/responder/incidents/:id/reject", (me, incidentId, request) =>
        Effect.gen(function*() {
          const input = yield* body(request, Reject, me.tenant)
          if (Result.isFailure(input)) return invalid(input.failure)
          return answer(yield* run(me, incidentId, { type: "reject_handover", at: now(), offerNo: input.success.offerNo, responder: refOf(me), reason: input.success.reason ?? "rejected" }))
        })),
      memberRoute("/v1/responder/incidents/:id/en-route", (me, incidentId, request) =>
        Effect.gen(function*() {
          const input = yield* body(request, Empty, me.tenant)
          if (Result.isFailure(input)) return invalid(input.failure)
          return answer(yield* run(me, incidentId, { type: "report_en_route", at: now(), responder: refOf(me) }))
        })),
      memberRoute("/v1/responder/incidents/:id/on-site", (me, incidentId, request) =>
        Effect.gen(function*() {
          const input = yield* body(request, Position, me.tenant)
          if (Result.isFailure(input)) return invalid(input.failure)
          const state = mirror.get(me.tenant, incidentId)
          const loaded = state ?? Option.getOrUndefined(Option.map(yield* store.load(me.tenant, incidentId), (s) => s.state))
          if (loaded === undefined) return json(404, { error: "no such incident" })
          const settings = yield* directory.settings(me.tenant, loaded.residentId, loaded.alarmType)
          const r = yield* run(me, incidentId, { type: "report_on_site", at: now(), responder: refOf(me), position: input.success, radiusM: settings.radiusM })
          if (r.ok && r.state?.handover?.onSite?.atConfirmedAddress === false) {
            yield* Metric.update(mismatches, 1)
            yield* Effect.logWarning("responder arrived away from the confirmed address").pipe(
              Effect.annotateLogs({ incidentId, distanceM: r.state.handover.onSite.distanceM })
            )
          }
          return answer(r)
        })),
      memberRoute("/v1/responder/incidents/:id/complete", (me, incidentId, request) =>
        Effect.gen(function*() {
          const input = yield* body(request, Complete, me.tenant)
          if (Result.isFailure(input)) return invalid(input.failure)
          return answer(yield* run(me, incidentId, { type: "complete_handover", at: now(), responder: refOf(me), outcome: input.success.outcome }))
        })),
      memberRoute("/v1/responder/incidents/:id/unlock", (me, incidentId) =>
        Effect.gen(function*() {
          const state = mirror.get(me.tenant, incidentId)
          const grant = yield* elock.use({ tenant: me.tenant, id: me.id, name: me.name }, incidentId, state?.residentId ?? "")
          return grant === undefined
            ? json(403, { error: "no live e-lock grant for you on this call-out" })
            : json(200, { opened: true, lockId: grant.lockId, validTo: new Date(grant.validToMs).toISOString() })
        })),
      HttpRouter.route("POST", "/v1/responder/incidents/:id/answer", (request: HttpServerRequest.HttpServerRequest) =>
        Effect.gen(function*() {
          const identity = yield* identify(request)
          if (Option.isNone(identity)) return unauthorized
          const me = identity.value
          if (me.kind !== "contact") return json(403, { error: "only a next of kin's device answers a cascade call" })
          const { id } = yield* HttpRouter.params
          // An id that is no subject token would make the incident's subject invalid (a 500).
          if (id === undefined || !isIncidentId(id)) return json(400, { error: "bad incident id" })
          const input = yield* body(request, Answer, me.tenant)
          if (Result.isFailure(input)) return invalid(input.failure)
          const loaded = Option.map(yield* store.load(me.tenant, id), (s) => s.state)
          if (Option.isNone(loaded) || loaded.value.residentId !== me.residentId) return json(404, { error: "no such incident" })
          const r = yield* run(me, id, {
            type: "answer_contact",
            at: now(),
            position: me.position,
            accepted: input.success.accepted,
            by: { kind: "responder", id: `contact:${me.residentId}:${me.position}`, name: me.label }
          })
          return r.ok ? json(200, { cascade: r.state?.cascade }) : json(r.status, { error: r.error })
        }).pipe(Effect.provideContext(context), Effect.orDie))
    ])
  })
)

export const ResponderApi: Layer.Layer<never, never, DispatchDirectory | IncidentMirror | IncidentStore | Nats | Registry | HttpRouter.HttpRouter> = ResponderRoutes
