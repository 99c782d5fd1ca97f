import { Result } from "effect"
import type { IncidentCommand, IncidentEvent, IncidentState } from "@wt/contracts"
import { ActiveStatuses } from "@wt/contracts"
import {
  AlreadyClaimed,
  IncidentAlreadyExists,
  IncidentEnded,
  IncidentNotFound,
  type IncidentRejected,
  NotOwner
} from "./errors.ts"

export type Decision = Result.Result<ReadonlyArray<IncidentEvent>, IncidentRejected>

const none: Decision = Result.succeed([])

const isActive = (state: IncidentState) => ActiveStatuses.includes(state.status)

/**
 * The incident decider: which events a command produces given the current state.
 * Idempotent where a retry is expected (a redelivered device event, a second
 * claim by the same person), so at-least-once delivery never duplicates history.
 * Every command yields at most one event: JetStream appends one message atomically.
 */
export const decide = (command: IncidentCommand, state: IncidentState | undefined, incidentId = ""): Decision => {
  if (command.type === "open_incident") {
    if (state !== undefined) {
      return state.recentDeviceEventIds.includes(command.deviceEvent.id)
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
      if (state.recentDeviceEventIds.includes(command.deviceEvent.id)) return none
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
      if (state.claimedBy === undefined && command.type === "resolve") {
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
  }
}
