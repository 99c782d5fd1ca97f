import type { DeviceEvent, DeviceEventHead, IncidentCategory, IncidentSignal, IncidentSignalSummary, IncidentState, TriageDecision } from "@wt/contracts"
import { outranks } from "@wt/contracts"

/** How many kinds of signal (alarm type × device) an incident lists beneath its headline. */
export const SignalMemory = 16

/** A short label of what raised the alarm, for the queue: "safety_alarm:pendant", "sensor:smoke". */
export const alarmTypeOf = (e: DeviceEventHead): string => {
  switch (e.type) {
    case "safety_alarm":
      return `safety_alarm:${e.payload.trigger}`
    case "sensor":
      return `sensor:${e.payload.sensor}`
    case "gps":
      return e.payload.sos ? "gps:sos" : "gps:position"
    case "medication":
      return `medication:${e.payload.event}`
    case "technical":
      return `technical:${e.payload.event}`
  }
}

/** A device event as a signal of the incident it joined at `at`, judged by `decision`. */
export const signalOf = (deviceEvent: DeviceEvent, decision: TriageDecision, at: string): IncidentSignal => ({
  alarmType: alarmTypeOf(deviceEvent),
  category: decision.category,
  priority: decision.priority,
  deviceId: deviceEvent.deviceId,
  eventId: deviceEvent.id,
  at
})

/**
 * Whether `candidate` takes the headline from `current`: only when triage judged it strictly more
 * urgent. Of equally urgent signals the first keeps it, so what the operator read, claimed and chose
 * the response plan by (the plan is looked up by alarm type) does not change under them for a signal
 * no more urgent; the later one is listed beneath. The priority rises on the same rule.
 */
export const takesHeadline = (current: Pick<IncidentSignal, "priority">, candidate: Pick<IncidentSignal, "priority">): boolean =>
  outranks(candidate.priority, current.priority)

/**
 * What heads the incident now. A record stored before headlines has none: its alarm type and
 * category stand with its priority now, which may be a joined event's. Taking that priority as the
 * headline's means only a strictly more urgent event replaces it, never one less urgent than shown.
 */
export const currentHeadline = (state: IncidentState): Pick<IncidentSignal, "alarmType" | "category" | "priority"> =>
  state.headline ?? { alarmType: state.alarmType, category: state.category, priority: state.priority }

const sameKind = (a: { readonly alarmType: string; readonly deviceId: string }, b: { readonly alarmType: string; readonly deviceId: string }) =>
  a.alarmType === b.alarmType && a.deviceId === b.deviceId

/**
 * The signal list after `signal` joined: its kind's entry counted up and moved last, or a new entry.
 * Past `SignalMemory` kinds the least recently joined goes, never the headline's.
 */
export const nextSignals = (
  signals: ReadonlyArray<IncidentSignalSummary>,
  signal: IncidentSignal,
  headline: Pick<IncidentSignal, "alarmType" | "deviceId"> | undefined
): ReadonlyArray<IncidentSignalSummary> => {
  const before = signals.find((s) => sameKind(s, signal))
  const entry: IncidentSignalSummary = {
    alarmType: signal.alarmType,
    category: before !== undefined && !outranks(signal.priority, before.priority) ? before.category : signal.category,
    priority: before !== undefined && !outranks(signal.priority, before.priority) ? before.priority : signal.priority,
    deviceId: signal.deviceId,
    count: (before?.count ?? 0) + 1,
    lastAt: signal.at
  }
  const next = [...signals.filter((s) => !sameKind(s, signal)), entry]
  if (next.length <= SignalMemory) return next
  const drop = next.findIndex((s) => headline === undefined || !sameKind(s, headline))
  return next.filter((_, i) => i !== drop)
}

/** The categories after one more device event, each once. */
export const nextCategories = (categories: ReadonlyArray<IncidentCategory>, category: IncidentCategory): ReadonlyArray<IncidentCategory> =>
  categories.includes(category) ? categories : [...categories, category]

/**
 * Whether every device event of the incident is a technical one, whatever heads it. Only such an
 * incident may the engine resolve (all faults restored) or merge into a storm: a care, fire,
 * location or medication signal inside it waits for a person, even when a more urgent fault heads it.
 */
export const onlyTechnical = (state: IncidentState): boolean =>
  (state.categories ?? [state.category]).every((c) => c === "technical")
