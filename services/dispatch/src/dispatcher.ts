import { Clock, Config, DateTime, Effect, Layer, Metric, Option, Schedule } from "effect"
import type { IncidentCommand, IncidentState } from "@wt/contracts"
import { type DispatchAction, minuteOfDay, nextAction, offerCandidates, zoneOf } from "@wt/dispatch"
import { IncidentStore } from "@wt/incident-store"
import type { Nats } from "@wt/nats"
import type { Registry } from "@wt/registry"
import { agencySubject, sendAgencyAlert } from "./agency-channel.ts"
import { DispatchDirectory } from "./directory.ts"
import { ElockAccess } from "./elock-access.ts"
import { IncidentMirror } from "./incident-mirror.ts"
import { readResidentFacts } from "./resident-facts.ts"

const steps = Metric.counter("wt_dispatch_steps_total", { description: "Handover steps dispatch wrote, by event type", incremental: true })
const failures = Metric.counter("wt_dispatch_step_failures_total", { description: "Dispatch steps that failed and will be retried", incremental: true })

/** A step dispatch tried without news since is not tried again before this (ms). */
const RetryAfterMs = 2000

/**
 * Keeps every watched incident moving: alerts the fire service, offers the call-out to the
 * next team, fires timeouts, calls the next contact. It runs in every copy of dispatch; the
 * decider accepts a step only once (each command names the exact offer or step it is about,
 * and the store's expected-sequence write settles races), so copies and restarts never
 * offer twice or time out twice.
 */
export const Dispatcher = Layer.effectDiscard(
  Effect.gen(function*() {
    const tickMs = yield* Config.Int("WT_DISPATCH_TICK_MS").pipe(Config.withDefault(250))
    const mirror = yield* IncidentMirror
    const store = yield* IncidentStore
    const directory = yield* DispatchDirectory
    const elock = yield* ElockAccess
    const attempts = new Map<string, { readonly version: number; readonly atMs: number }>()

    const execute = Effect.fn("Dispatcher.execute")(function*(state: IncidentState, command: IncidentCommand) {
      const executed = yield* store.execute(state.tenant, state.incidentId, command)
      if (executed.state !== undefined) mirror.observe(executed.state)
      for (const e of executed.events) yield* Metric.update(Metric.withAttributes(steps, { event: e.type }), 1)
      return executed.state ?? state
    })

    const alertFire = Effect.fn("Dispatcher.alertFire")(function*(state: IncidentState) {
      const facts = yield* readResidentFacts({
        tenant: state.tenant,
        residentId: state.residentId,
        incidentId: state.incidentId,
        purpose: "fire service alert (address, mobility)",
        auditId: `dispatch-fire-${state.incidentId}`
      })
      const address = state.handover?.address ?? Option.getOrUndefined(Option.flatMapNullishOr(facts, (f) => f.currentAddress))
      const mobility = Option.match(facts, { onNone: () => "unknown", onSome: (f) => f.mobility })
      const channel = Option.getOrElse(yield* directory.agencyChannel(state.tenant, "110"), () => agencySubject(state.tenant, "110"))
      const at = (yield* DateTime.nowAsDate).toISOString()
      const reason = `${state.alarmType} (${state.priority})`
      // The alert is stored on the agency's channel first; only then is it recorded as done.
      yield* sendAgencyAlert(channel, {
        incidentId: state.incidentId,
        tenant: state.tenant,
        agency: "110",
        at,
        reason,
        ...(address !== undefined ? { address } : {}),
        mobility,
        alarmType: state.alarmType
      })
      yield* Effect.logWarning("fire service alerted").pipe(Effect.annotateLogs({ incidentId: state.incidentId, channel }))
      return yield* execute(state, {
        type: "notify_agency",
        at,
        agency: "110",
        channel,
        ...(address !== undefined ? { address } : {}),
        mobility,
        reason
      })
    })

    const offer = Effect.fn("Dispatcher.offer")(function*(state: IncidentState, action: Extract<DispatchAction, { kind: "offer" }>) {
      const h = state.handover
      if (h === undefined) return state
      const now = yield* Clock.currentTimeMillis
      const at = new Date(now).toISOString()
      const settings = yield* directory.settings(state.tenant, state.residentId, state.alarmType)
      const facts = yield* readResidentFacts({
        tenant: state.tenant,
        residentId: state.residentId,
        incidentId: state.incidentId,
        purpose: `call-out ${h.no} offer ${action.offerNo}`,
        auditId: `dispatch-offer-${state.incidentId}-${h.no}-${action.offerNo}`
      })
      let current = state
      if (action.offerNo === 1 && settings.contactCascade && state.cascade === undefined && Option.isSome(facts)) {
        const contacts = facts.value.record.contacts.map((c, i) => ({ position: i + 1, name: c.name, relation: c.relation, keyholder: c.keyholder }))
        if (contacts.length > 0) {
          current = yield* execute(current, {
            type: "start_contact_cascade",
            at,
            by: { kind: "service", id: "dispatch" },
            contacts,
            timeoutS: settings.contactTimeoutS
          })
        }
      }
      const [teams, zones] = yield* Effect.all([directory.teams(state.tenant), directory.zones(state.tenant)])
      const candidates = offerCandidates(teams, { zone: zoneOf(zones, h.address.postcode), minuteOfDay: minuteOfDay(now), tried: action.tried })
      const team = candidates[0]
      if (team === undefined) {
        return yield* execute(current, {
          type: "return_handover",
          at,
          reason: action.tried.length === 0 ? "no team on duty" : `no team left to offer to (${action.tried.length} tried)`
        })
      }
      return yield* execute(current, {
        type: "offer_handover",
        at,
        offerNo: action.offerNo,
        team,
        criticalNotes: Option.match(facts, { onNone: () => [], onSome: (f) => f.criticalNotes }),
        access: Option.match(facts, { onNone: () => ({ kind: "none" as const }), onSome: (f) => f.access }),
        timeouts: settings.timeouts
      })
    })

    // Per incident and tick: no span of its own.
    const act = Effect.fnUntraced(function*(state: IncidentState) {
      const now = yield* Clock.currentTimeMillis
      const action = nextAction(state, now)
      const key = `${state.tenant}.${state.incidentId}`
      const grant = elock.ensureGrant(state)
      if (action === undefined) return yield* grant
      const last = attempts.get(key)
      if (last !== undefined && last.version === state.version && now - last.atMs < RetryAfterMs) return yield* grant
      attempts.set(key, { version: state.version, atMs: now })
      yield* grant
      if (action.kind === "alert_fire") yield* alertFire(state)
      else if (action.kind === "offer") yield* offer(state, action)
      else yield* execute(state, action.command)
    })

    const context = yield* Effect.context<Nats | Registry>()
    const tick = Effect.gen(function*() {
      const watched = mirror.watched()
      const live = new Set(watched.map((s) => `${s.tenant}.${s.incidentId}`))
      for (const key of attempts.keys()) if (!live.has(key)) attempts.delete(key)
      yield* Effect.forEach(
        watched,
        (state) =>
          act(state).pipe(
            Effect.catch((error) =>
              Metric.update(failures, 1).pipe(
                Effect.andThen(Effect.logWarning("dispatch step failed; retrying").pipe(
                  Effect.annotateLogs({ incidentId: state.incidentId, error: "_tag" in error ? String(error._tag) : "error", message: error.message })
                ))
              )
            )
          ),
        { concurrency: 16, discard: true }
      )
    }).pipe(Effect.provideContext(context))

    yield* Effect.forkScoped(Effect.repeat(tick, Schedule.spaced(tickMs)))
    yield* Effect.forkScoped(Effect.repeat(
      elock.revokeEnded().pipe(Effect.catch((e) => Effect.logWarning("e-lock revocation sweep failed", e))),
      Schedule.spaced("2 seconds")
    ))
  })
)
