import type { DeviceEvent, IncidentEvent, IncidentState } from "@wt/contracts"
import { deviceEventKey, outranks } from "@wt/contracts"
import { evolveHandover } from "./handover.ts"
import { currentHeadline, nextCategories, nextSignals, signalOf, takesHeadline } from "./headline.ts"

/** How many device event identities an incident remembers, to recognise a redelivered event. */
export const RecentEventMemory = 64

export const initialState = (): IncidentState | undefined => undefined

const remember = (keys: ReadonlyArray<string>, key: string): ReadonlyArray<string> => {
  const next = [...keys, key]
  return next.length > RecentEventMemory ? next.slice(next.length - RecentEventMemory) : next
}

/**
 * Applies one event. Pure and total over valid histories: replaying an incident's
 * events from `initialState()` reproduces its state exactly.
 */
export const evolve = (state: IncidentState | undefined, event: IncidentEvent): IncidentState => {
  if (event.type === "incident_opened") {
    const headline = { ...signalOf(event.deviceEvent, event.decision, event.at), priority: event.priority, category: event.category }
    return {
      incidentId: event.incidentId,
      tenant: event.tenant,
      residentId: event.residentId,
      status: "open",
      priority: event.priority,
      category: event.category,
      owner: { kind: "queue", id: event.tenant },
      openedAt: event.at,
      lastEventAt: event.at,
      alarmType: headline.alarmType,
      headline,
      signals: nextSignals([], headline, headline),
      categories: [event.category],
      deviceEventCount: 1,
      recentDeviceEventKeys: [deviceEventKey(event.deviceEvent)],
      version: 1,
      openFaults: nextFaults([], event.deviceEvent),
      ...(event.decision.fireService ? { fireService: true } : {})
    }
  }
  if (state === undefined) {
    throw new Error(`incident ${event.incidentId}: ${event.type} before incident_opened`)
  }
  const base = { ...state, lastEventAt: event.at, version: state.version + 1 }
  switch (event.type) {
    case "device_event_correlated": {
      // The most urgent signal heads the incident: its alarm type and category are the headline's.
      const signal = signalOf(event.deviceEvent, event.decision, event.at)
      const takes = takesHeadline(currentHeadline(state), signal)
      return {
        ...base,
        ...(takes ? { headline: signal, alarmType: signal.alarmType, category: signal.category } : {}),
        signals: nextSignals(state.signals ?? [], signal, takes ? signal : state.headline),
        categories: nextCategories(state.categories ?? [state.category], signal.category),
        priority: outranks(event.decision.priority, state.priority) ? event.decision.priority : state.priority,
        deviceEventCount: state.deviceEventCount + 1,
        recentDeviceEventKeys: remember(state.recentDeviceEventKeys ?? [], deviceEventKey(event.deviceEvent)),
        openFaults: nextFaults(state.openFaults ?? [], event.deviceEvent),
        ...(event.decision.fireService ? { fireService: true } : {})
      }
    }
    case "priority_raised":
      return { ...base, priority: outranks(event.to, state.priority) ? event.to : state.priority }
    case "incident_claimed":
      return {
        ...base,
        status: "claimed",
        claimedAt: event.at,
        claimedBy: event.by,
        owner: { kind: "operator", id: event.by.id, ...(event.by.name ? { name: event.by.name } : {}) }
      }
    case "note_added":
      return base
    case "incident_resolved":
      return { ...base, status: "resolved", endedAt: event.at, resolvedBy: event.by }
    case "incident_cancelled":
      return { ...base, status: "cancelled", endedAt: event.at, resolvedBy: event.by }
    case "contact_recorded":
      return { ...base, status: "in_contact" }
    case "incident_marked_repeated":
      return { ...base, repeated: true, priority: outranks(event.atLeast, state.priority) ? event.atLeast : state.priority }
    case "incident_escalated":
      return { ...base, escalationLevel: Math.max(state.escalationLevel ?? 0, event.level) }
    case "incident_closed":
      return { ...base, status: "closed", owner: { kind: "operator", id: event.by.id, ...(event.by.name ? { name: event.by.name } : {}) } }
    case "incident_merged":
      return { ...base, status: "merged", endedAt: event.at, mergedInto: event.into }
    case "handover_requested":
    case "handover_offered":
    case "handover_accepted":
    case "handover_rejected":
    case "handover_timed_out":
    case "handover_returned":
    case "responder_en_route":
    case "responder_on_site":
    case "handover_completed":
    case "handover_cancelled":
    case "agency_notified":
    case "contact_cascade_started":
    case "contact_called":
    case "contact_answered":
    case "contact_call_timed_out":
    case "contact_cascade_ended":
      return evolveHandover(base, event)
    case "storm_updated": {
      // decide admits only losses of devices not down and returns of devices down (stormChange).
      const before = state.storm ?? { devices: 0, stillDown: 0 }
      return {
        ...base,
        deviceEventCount: state.deviceEventCount + event.lost.length,
        storm: { devices: before.devices + event.lost.length, stillDown: before.stillDown + event.lost.length - event.restored.length }
      }
    }
  }
}

/** Faults a restore clears: a restore closes the fault it answers, on the same device. */
const restoredBy: Record<string, ReadonlyArray<string>> = {
  power_restored: ["power_lost"],
  communication_restored: ["communication_failure", "sensor_supervision_lost", "radio_jamming"]
}
const faultEvents = new Set(["low_battery", "power_lost", "tamper", "radio_jamming", "communication_failure", "sensor_supervision_lost"])

const nextFaults = (faults: ReadonlyArray<string>, e: DeviceEvent): ReadonlyArray<string> => {
  if (e.type === "technical") {
    if (faultEvents.has(e.payload.event)) {
      const key = `${e.deviceId}:${e.payload.event}`
      return faults.includes(key) ? faults : [...faults, key]
    }
    const cleared = restoredBy[e.payload.event]
    if (cleared) return faults.filter((f) => !cleared.some((c) => f === `${e.deviceId}:${c}`))
  }
  if (e.type === "sensor" && e.payload.state === "restored") return faults.filter((f) => !f.startsWith(`${e.deviceId}:`))
  return faults
}

export const replay = (events: Iterable<IncidentEvent>): IncidentState | undefined => {
  let state = initialState()
  for (const event of events) state = evolve(state, event)
  return state
}
