import type { DeviceEvent, TriageDecision } from "@wt/contracts"
import { type EffectiveParameters, ruleParameters, type TriageContext } from "./context.ts"
import { decisionFor } from "./decision.ts"
import { isOutsideGeofence } from "./geofence.ts"
import { isNight } from "./local-time.ts"
import type { PlanParameter, Rule, RuleSet } from "./rule-set.ts"

const oneOf = <A extends string>(allowed: ReadonlyArray<A> | undefined, value: string | undefined) =>
  allowed === undefined || (value !== undefined && (allowed as ReadonlyArray<string>).includes(value))

const matchesPayload = (w: Rule["when"], event: DeviceEvent): boolean => {
  if (w.type !== event.type) return false
  switch (event.type) {
    case "safety_alarm":
      return oneOf(w.trigger, event.payload.trigger)
    case "sensor":
      return oneOf(w.sensor, event.payload.sensor) && oneOf(w.state, event.payload.state)
    case "gps":
      return w.sos === undefined || w.sos === (event.payload.sos === true)
    case "medication":
      return oneOf(w.event, event.payload.event) && (w.critical === undefined || w.critical === (event.payload.critical === true))
    case "technical":
      return oneOf(w.event, event.payload.event)
  }
}

// The context conditions are checked only after the payload matched, so a heartbeat
// never pays for a time-zone conversion or a distance.
const matchesContext = (w: Rule["when"], event: DeviceEvent, ctx: TriageContext, params: () => EffectiveParameters): boolean => {
  if (w.deviceType !== undefined && (ctx.device === undefined || !w.deviceType.includes(ctx.device.type))) return false
  if (w.dementia !== undefined && w.dementia !== ctx.resident.dementia) return false
  if (w.period !== undefined) {
    const p = params()
    if (isNight(ctx.at, p.timeZone, p.nightHours) !== (w.period === "night")) return false
  }
  if (w.outsideGeofence !== undefined) {
    const fence = params().geofence
    if (fence === undefined || event.type !== "gps") return false
    if (isOutsideGeofence(event.payload, fence) !== w.outsideGeofence) return false
  }
  return true
}

const parametersRead = (w: Rule["when"]): ReadonlyArray<PlanParameter> => [
  ...(w.period !== undefined ? ["nightHours" as const] : []),
  ...(w.outsideGeofence !== undefined ? ["geofenceRadiusM" as const] : [])
]

/** A context that knows nothing about the resident or device: the event's own time, no dementia, no fence. */
export const contextOf = (event: DeviceEvent): TriageContext => ({ at: event.occurredAt, resident: { dementia: false } })

/**
 * The decision for one event under a rule set, or undefined when the event raises
 * nothing. The first rule whose conditions hold fires. Without a context, the event's
 * `occurredAt` is its time and nothing is known about resident or device, so rules
 * about dementia, geofences and device types do not fire.
 */
export const classify = (event: DeviceEvent, ruleSet: RuleSet, ctx: TriageContext = contextOf(event)): TriageDecision | undefined => {
  let params: EffectiveParameters | undefined
  const lazyParams = () => (params ??= ruleParameters(ruleSet, ctx))
  const rule = ruleSet.rules.find((r) => matchesPayload(r.when, event) && matchesContext(r.when, event, ctx, lazyParams))
  if (rule === undefined) return undefined
  return decisionFor(ruleSet, rule, ctx, lazyParams(), parametersRead(rule.when))
}
