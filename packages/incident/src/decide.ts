import { Result } from "effect"
import type { IncidentCommand, IncidentEvent, IncidentState } from "@wt/contracts"
import { ActiveStatuses, type DeviceEvent, deviceEventKey } from "@wt/contracts"
import {
  AlreadyClaimed,
  IncidentAlreadyExists,
  IncidentEnded,
  IncidentNotFound,
  type IncidentRejected,
  NotOwner,
  StormViewStale
} from "./errors.ts"
import { decideHandover } from "./handover.ts"
import { onlyTechnical } from "./headline.ts"

export type Decision = Result.Result<ReadonlyArray<IncidentEvent>, IncidentRejected>

const none: Decision = Result.succeed([])

const isActive = (state: IncidentState) => ActiveStatuses.includes(state.status)

/**
 * Whether the incident already holds this very device event: same tenant, same device, same
 * sender id. The sender's id alone is not enough: another device, or another tenant's, may use it too.
 */
const holds = (state: IncidentState, event: DeviceEvent) => (state.recentDeviceEventKeys ?? []).includes(deviceEventKey(event))

/**
 * The incident decider: which events a command produces given the current state.
 * Idempotent where a retry is expected (a redelivered device event, a second
 * claim by the same person), so at-least-once delivery never duplicates history.
 * Every command yields at most one event: JetStream appends one message atomically.
 */
export const decide = (command: IncidentCommand, state: IncidentState | undefined, incidentId = ""): Decision => {
  if (command.type === "open_incident") {
    if (state !== undefined) {
      return holds(state, command.deviceEvent)
        ? none
        : Result.fail(new IncidentAlreadyExists({ incidentId: command.incidentId }))
    }
    return Result.succeed([{
      type: "incident_opened",
      incidentId: command.incidentId,
      tenant: command.tenant,
      at: command.at,
      residentId: command.residentId,
      priority: command.decision.priority,
      category: command.decision.category,
      decision: command.decision,
      deviceEvent: command.deviceEvent
    }])
  }
  if (state === undefined) return Result.fail(new IncidentNotFound({ incidentId }))
  const ids = { incidentId: state.incidentId, tenant: state.tenant, at: command.at }

  switch (command.type) {
    case "correlate_device_event": {
      if (holds(state, command.deviceEvent)) return none
      if (!isActive(state)) return Result.fail(new IncidentEnded({ incidentId: state.incidentId, status: state.status }))
      // One event per command, so a crash between two appends can never leave half a
      // decision. The correlated event carries its decision; evolve raises the priority
      // from it, and never lowers it: a P1 never hides inside a P3.
      return Result.succeed([{
        type: "device_event_correlated",
        ...ids,
        decision: command.decision,
        deviceEvent: command.deviceEvent
      }])
    }
    case "claim": {
      if (!isActive(state)) return Result.fail(new IncidentEnded({ incidentId: state.incidentId, status: state.status }))
      if (state.claimedBy !== undefined) {
        return state.claimedBy.id === command.by.id
          ? none
          : Result.fail(new AlreadyClaimed({ incidentId: state.incidentId, claimedBy: state.claimedBy }))
      }
      return Result.succeed([{ type: "incident_claimed", ...ids, by: command.by }])
    }
    case "add_note": {
      return Result.succeed([{
        type: "note_added",
        ...ids,
        by: command.by,
        handlingCode: command.handlingCode,
        text: command.text
      }])
    }
    case "resolve":
    case "cancel": {
      if (!isActive(state)) return Result.fail(new IncidentEnded({ incidentId: state.incidentId, status: state.status }))
      const supervises = command.by.kind === "supervisor" || command.by.kind === "admin"
      // The engine may resolve a technical incident once every fault in it has been restored; one
      // that holds any other signal (a pendant that joined a battery fault) waits for a person.
      const restoredTechnical = command.by.kind === "system" && onlyTechnical(state) && state.claimedBy === undefined &&
        (state.openFaults ?? []).length === 0
      if (state.claimedBy === undefined && command.type === "resolve" && !restoredTechnical) {
        return Result.fail(new NotOwner({ incidentId: state.incidentId, message: "claim the incident before resolving it" }))
      }
      if (state.claimedBy !== undefined && state.claimedBy.id !== command.by.id && !supervises) {
        return Result.fail(
          new NotOwner({ incidentId: state.incidentId, message: `owned by ${state.claimedBy.name ?? state.claimedBy.id}` })
        )
      }
      return Result.succeed([
        command.type === "resolve"
          ? {
            type: "incident_resolved",
            ...ids,
            by: command.by,
            ...(command.cause !== undefined ? { cause: command.cause } : {}),
            ...(command.action !== undefined ? { action: command.action } : {}),
            ...(command.note !== undefined ? { note: command.note } : {})
          }
          : { type: "incident_cancelled", ...ids, by: command.by, reason: command.reason }
      ])
    }
    case "record_contact": {
      if (!isActive(state)) return Result.fail(new IncidentEnded({ incidentId: state.incidentId, status: state.status }))
      if (state.claimedBy === undefined) {
        return Result.fail(new NotOwner({ incidentId: state.incidentId, message: "claim the incident before recording contact" }))
      }
      return Result.succeed([{ type: "contact_recorded", ...ids, by: command.by, party: command.party }])
    }
    case "mark_repeated": {
      if (!isActive(state)) return Result.fail(new IncidentEnded({ incidentId: state.incidentId, status: state.status }))
      if (state.repeated === true) return none
      return Result.succeed([{
        type: "incident_marked_repeated",
        ...ids,
        alarmsInWindow: command.alarmsInWindow,
        windowHours: command.windowHours,
        atLeast: command.atLeast,
        ruleId: command.ruleId,
        ruleSetVersion: command.ruleSetVersion
      }])
    }
    case "escalate": {
      // Escalation is for incidents nobody has taken; a claim ends the need for it.
      if (state.status !== "open" || (state.escalationLevel ?? 0) >= command.level) return none
      return Result.succeed([{ type: "incident_escalated", ...ids, level: command.level, reason: command.reason, unclaimedForMs: command.unclaimedForMs }])
    }
    case "close": {
      if (state.status === "closed") return none
      if (state.status !== "resolved" && state.status !== "cancelled") {
        return Result.fail(new NotOwner({ incidentId: state.incidentId, message: "resolve or cancel the incident before closing it" }))
      }
      const resolver = state.resolvedBy
      // Repeated alarms: a second pair of eyes (another operator or a supervisor) confirms the closing.
      if (state.repeated === true && resolver !== undefined && resolver.id === command.by.id) {
        return Result.fail(new NotOwner({ incidentId: state.incidentId, message: "repeated alarms: another person must confirm the closing" }))
      }
      return Result.succeed([{
        type: "incident_closed",
        ...ids,
        by: command.by,
        ...(resolver !== undefined && resolver.id !== command.by.id ? { confirms: resolver } : {})
      }])
    }
    case "update_storm": {
      if (!isActive(state)) return Result.fail(new IncidentEnded({ incidentId: state.incidentId, status: state.status }))
      // The state counts devices; which are down the sender read from the events (stormChange).
      // A batch worked out on an older version may count a device twice or return one never down.
      const stale = Result.fail(new StormViewStale({ incidentId: state.incidentId, version: state.version, basedOnVersion: command.basedOnVersion }))
      if (command.basedOnVersion !== state.version) return stale
      const lost = [...new Set(command.lost)]
      const restored = [...new Set(command.restored)]
      if (lost.length === 0 && restored.length === 0) return none
      if (restored.length > (state.storm?.stillDown ?? 0) + lost.length) return stale
      return Result.succeed([{ type: "storm_updated", ...ids, lost, restored }])
    }
    case "request_handover":
    case "offer_handover":
    case "accept_handover":
    case "reject_handover":
    case "time_out_handover":
    case "return_handover":
    case "report_en_route":
    case "report_on_site":
    case "complete_handover":
    case "cancel_handover":
    case "notify_agency":
    case "start_contact_cascade":
    case "call_next_contact":
    case "answer_contact":
    case "time_out_contact":
    case "end_contact_cascade":
      return decideHandover(command, state)
    case "merge": {
      if (!isActive(state)) return Result.fail(new IncidentEnded({ incidentId: state.incidentId, status: state.status }))
      if (command.into === state.incidentId) return none
      return Result.succeed([{ type: "incident_merged", ...ids, by: command.by, into: command.into }])
    }
  }
}
