import { Effect, Option } from "effect"
import { ActiveStatuses, type DeviceEvent, type TriageDecision } from "@wt/contracts"
import { onlyTechnical } from "@wt/incident"
import { IncidentStore } from "./incident-store.ts"
import { OpenIncidentIndex } from "./open-incident-index.ts"

export type RestoreOutcome = "no_open_incident" | "annotated" | "resolved"

/**
 * A restore (power back, communication back, sensor restored) is written into the
 * resident's open incident; when that incident is technical, nobody has taken it and
 * every fault in it is restored, the engine resolves it. A care incident is never
 * closed by a restore, nor a technical one that any other signal joined: a person decides that.
 */
export const attachRestore = Effect.fn("Correlation.attachRestore")(function*(event: DeviceEvent, residentId: string, decision: TriageDecision) {
  const store = yield* IncidentStore
  const index = yield* OpenIncidentIndex
  const pointer = yield* index.find(event.tenant, residentId)
  if (Option.isNone(pointer)) return "no_open_incident" as RestoreOutcome
  const incidentId = pointer.value.incidentId
  const at = event.receivedAt ?? event.occurredAt
  const result = yield* store.execute(event.tenant, incidentId, { type: "correlate_device_event", at, decision, deviceEvent: event }).pipe(
    Effect.map(Option.some),
    Effect.catchTags({ IncidentEnded: () => Effect.succeed(Option.none()), IncidentNotFound: () => Effect.succeed(Option.none()) })
  )
  if (Option.isNone(result) || result.value.state === undefined) return "no_open_incident" as RestoreOutcome
  const state = result.value.state
  const restoredTechnical = onlyTechnical(state) && state.claimedBy === undefined && (state.openFaults ?? []).length === 0 &&
    ActiveStatuses.includes(state.status)
  if (!restoredTechnical) return "annotated" as RestoreOutcome
  yield* store.execute(event.tenant, incidentId, {
    type: "resolve",
    at,
    by: { kind: "system", id: "triage", name: "triage engine" },
    cause: "every fault restored",
    action: "resolved by the engine"
  }).pipe(Effect.catchTags({ IncidentEnded: () => Effect.void, NotOwner: () => Effect.void }))
  return "resolved" as RestoreOutcome
})
