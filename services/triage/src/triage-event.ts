import { Clock, Config, Effect, Metric, Option, Schema } from "effect"
import { type DeviceEvent, deviceEventKey, type TriageDecision } from "@wt/contracts"
import { attachRestore, CareAlarmHistory, IncidentStore, routeTriaged, SupervisionStorms } from "@wt/incident-store"
import { type MessageMeta, sendDeadLetter } from "@wt/nats"
import { type DeviceOwner, Registry } from "@wt/registry"
import { latencyHistogram, seriesOf } from "@wt/observability"
import {
  classify,
  DefaultRuleBook,
  engineDecision,
  EngineRules,
  isCareAlarm,
  isRestore,
  isSupervisionLoss,
  PlanOverrides,
  ruleParameters,
  ruleSetAt,
  type TriageContext
} from "@wt/triage-rules"

const decisions = Metric.counter("wt_triage_decisions_total", { description: "Device events triaged, by outcome and priority", incremental: true })
const latency = Metric.histogram("wt_triage_receive_to_incident_ms", {
  description: "Gateway receipt to incident stored, in ms",
  boundaries: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]
})
/**
 * The same way in three stages, so a slow alarm can be placed: `stored` (gateway receipt → stored in
 * WT_DEVICE), `delivered` (stored → triage began on it), `incident` (triage began → incident stored).
 */
const stages = seriesOf(latencyHistogram("wt_triage_receive_to_incident_stage_ms", { description: "Gateway receipt to incident stored, by stage, in ms" }))
const storedStage = stages({ stage: "stored" })
const deliveredStage = stages({ stage: "delivered" })
const incidentStage = stages({ stage: "incident" })

export const decisionSeries = seriesOf(decisions)
const count = (outcome: string, priority = "none") => Metric.update(decisionSeries({ outcome, priority }), 1)

/**
 * Repeated care alarms (docs/domain.md: four presses in six hours, each judged fine, then found dead):
 * the rule set's `repeatedAlarmCount` and `repeatedAlarmWindowHours`, unless the environment overrides them.
 */
export const RepeatedAlarmOverrides = Config.all({
  threshold: Config.option(Config.Int("WT_REPEATED_ALARMS")),
  windowHours: Config.option(Config.Number("WT_REPEATED_WINDOW_HOURS"))
})

/** The rule set in force when the event happened, for the event's tenant. */
export const rulesFor = (event: DeviceEvent) => ruleSetAt(DefaultRuleBook, event.tenant, event.occurredAt)

const decodePlan = Schema.decodeUnknownOption(PlanOverrides)

// Decoded once per resident as the registry holds them (the fleet snapshot's entry, or the lookup
// cache's): decoding it for every heartbeat and position was 3 % of triage-bulk's CPU.
const plans = new WeakMap<DeviceOwner["resident"], Option.Option<PlanOverrides>>()

/** The resident's plan overrides, when the registry holds valid ones; invalid ones are ignored, not guessed at. */
const planOf = (owner: DeviceOwner): Option.Option<PlanOverrides> => {
  const resident = owner.resident
  if (resident.planOverrides === undefined) return Option.none()
  let plan = plans.get(resident)
  if (plan === undefined) {
    plan = decodePlan({ planId: resident.planId ?? "plan", ...resident.planOverrides })
    plans.set(resident, plan)
  }
  return plan
}

export const contextFor = (event: DeviceEvent, owner: DeviceOwner): TriageContext => {
  const plan = planOf(owner)
  return {
    at: event.occurredAt,
    device: { type: owner.deviceType, ...(owner.sensor ? { sensor: owner.sensor } : {}), ...(owner.placement ? { placement: owner.placement } : {}) },
    resident: {
      dementia: owner.resident.dementia,
      ...(owner.resident.geofence ? { geofence: owner.resident.geofence } : {}),
      ...(Option.isSome(plan) ? { plan: plan.value } : {})
    }
  }
}

const fallbackRestore = (event: DeviceEvent): TriageDecision => ({
  ruleId: EngineRules.restore,
  ruleSetVersion: rulesFor(event).version,
  priority: "P4",
  category: "technical",
  reason: "restored",
  fireService: false
})

/**
 * Marks the incident repeated when this care alarm is the n-th from the resident inside
 * the window, counted across incidents, so even alarms each closed as "fine" add up.
 */
const checkRepeated = Effect.fn("Triage.checkRepeated")(function*(event: DeviceEvent, residentId: string, incidentId: string, ctx: TriageContext) {
  const rules = rulesFor(event)
  const params = ruleParameters(rules, ctx)
  const overrides = yield* RepeatedAlarmOverrides
  const threshold = Option.getOrElse(overrides.threshold, () => params.repeatedAlarmCount)
  const windowHours = Option.getOrElse(overrides.windowHours, () => params.repeatedAlarmWindowHours)
  const history = yield* CareAlarmHistory
  const recent = yield* history.record(event.tenant, residentId, { eventId: deviceEventKey(event), at: event.receivedAt ?? event.occurredAt }, windowHours * 3_600_000)
  if (recent.length < threshold) return
  const store = yield* IncidentStore
  const rule = engineDecision(EngineRules.repeated, rules, ctx)
  if (rule === undefined) return
  yield* store.execute(event.tenant, incidentId, {
    type: "mark_repeated",
    at: event.receivedAt ?? event.occurredAt,
    alarmsInWindow: recent.length,
    windowHours,
    atLeast: rule.priority,
    ruleId: rule.ruleId,
    ruleSetVersion: rule.ruleSetVersion
  }).pipe(Effect.catchTag("IncidentEnded", () => Effect.void))
  yield* Effect.logWarning("repeated care alarms: incident needs a second person to close").pipe(
    Effect.annotateLogs({ incidentId, alarms: recent.length, windowHours })
  )
})

/**
 * Triage of one stored device event: find whose device it is, apply the rules, and
 * put it into the resident's incident. A device the registry does not know is
 * never silently dropped: it goes to the dead letters with its bytes.
 *
 * Untraced on purpose: it runs per message, and Effect.fn's span and call-site Error
 * (a captured stack per call) cost more than the work itself.
 */
export const triageDeviceEvent = Effect.fnUntraced(function*(event: DeviceEvent, meta: MessageMeta) {
  const startedMs = yield* Clock.currentTimeMillis
  const registry = yield* Registry
  const owner = yield* registry.deviceOwner(event.tenant, event.deviceId)
  if (Option.isNone(owner)) {
    yield* sendDeadLetter({
      source: "triage",
      reason: `unknown device "${event.deviceId}" for tenant "${event.tenant}": not in the registry`,
      reasonKind: "unknown_device",
      raw: meta.raw,
      tenant: event.tenant,
      subject: meta.subject,
      streamSeq: meta.streamSeq,
      deliveries: meta.deliveries,
      msgId: `triage:unknown-device:${meta.streamSeq}`
    })
    yield* Effect.logWarning("device event from an unknown device sent to the dead letters").pipe(
      Effect.annotateLogs({ deviceId: event.deviceId, tenant: event.tenant, eventId: event.id })
    )
    return yield* count("unknown_device")
  }
  const residentId = owner.value.residentId
  const storms = yield* SupervisionStorms
  // The device was heard from: it leaves a storm's list of devices down. That can wait for the
  // storm's next batch to be stored, or for a look at what other copies wrote (every 2 s), so an
  // event that opens or joins an incident does it after its incident is stored: a care alarm
  // from a device back from an outage no longer waits on the storm's bookkeeping.
  const heard = isSupervisionLoss(event) ? Effect.void : storms.signOfLife(event)
  const ctx = contextFor(event, owner.value)
  const rules = rulesFor(event)
  const decision = classify(event, rules, ctx)
  if (decision === undefined) {
    yield* heard
    if (!isRestore(event)) return yield* count("no_incident")
    const outcome = yield* attachRestore(event, residentId, engineDecision(EngineRules.restore, rules, ctx) ?? fallbackRestore(event))
    return yield* count(`restore_${outcome}`)
  }
  const routed = yield* routeTriaged(event, residentId, decision, ctx)
  if (event.receivedAt !== undefined) {
    const receivedMs = Date.parse(event.receivedAt)
    const storedMs = yield* Clock.currentTimeMillis
    yield* Metric.update(latency, Math.max(0, storedMs - receivedMs))
    yield* Metric.update(storedStage, Math.max(0, meta.storedAtMs - receivedMs))
    yield* Metric.update(deliveredStage, Math.max(0, startedMs - meta.storedAtMs))
    yield* Metric.update(incidentStage, Math.max(0, storedMs - startedMs))
  }
  yield* count(routed.opened ? "opened" : "correlated", decision.priority)
  if (routed.opened) {
    yield* Effect.logInfo("incident opened").pipe(
      Effect.annotateLogs({ incidentId: routed.incidentId, priority: decision.priority, rule: decision.ruleId, eventId: event.id })
    )
  }
  if (isCareAlarm(event)) yield* checkRepeated(event, residentId, routed.incidentId, ctx)
  yield* heard
})
