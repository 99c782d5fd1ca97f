import { Clock, Effect, Option, Schema } from "effect"
import { ActiveStatuses, type DeviceEvent, type TriageDecision } from "@wt/contracts"
import { incidentIdFor } from "@wt/incident"
import { IncidentStore } from "./incident-store.ts"
import { isVacant, OpenIncidentIndex } from "./open-incident-index.ts"

/** Where a device event went: a new incident, or an open one it joined. */
export interface Routed {
  readonly incidentId: string
  readonly opened: boolean
}

/** Could not settle on an incident in time; the message is retried later. */
export class RoutingContended extends Schema.TaggedError<RoutingContended>()("RoutingContended", {
  residentId: Schema.String,
  message: Schema.String
}) {}

/**
 * A reservation whose incident never appeared (its writer died and its message went
 * elsewhere) is abandoned after this long, so a resident's alarms can never be
 * blocked behind a stale pointer.
 */
const AbandonedReservationMs = 30_000

/**
 * Puts a triaged device event into the resident's open incident, or opens one.
 * Safe under redelivery and under several triage copies: the pointer is set by
 * compare-and-set, and the incident write by expected sequence.
 */
export const routeDeviceEvent = Effect.fn("Correlation.routeDeviceEvent")(function*(
  event: DeviceEvent,
  residentId: string,
  decision: TriageDecision
) {
  const store = yield* IncidentStore
  const index = yield* OpenIncidentIndex
  const tenant = event.tenant
  const at = event.receivedAt ?? event.occurredAt
  // Derived from the event, so a redelivery finds the incident it opened (see incidentIdFor).
  const ownId = incidentIdFor(event)
  // A fresh incident is opened without first reading that it is not there: the write expects its
  // subject empty, and a redelivery's second write is answered from what the first stored.
  const open = (incidentId: string) =>
    store.execute(tenant, incidentId, { type: "open_incident", at, incidentId, tenant, residentId, decision, deviceEvent: event }, Option.none()).pipe(
      Effect.as<Routed>({ incidentId, opened: true })
    )

  // The pointer still at `revision` (an ended incident's, or an abandoned reservation) is taken over
  // for a fresh incident in one compare-and-set; moved since, none, and we look again.
  const takeOver = (revision: number) =>
    Effect.flatMap(index.replace(tenant, residentId, ownId, revision), (moved) =>
      moved ? Effect.map(open(ownId), Option.some) : Effect.succeed(Option.none<Routed>()))

  // One look at the resident's pointer: routed, or none when the pointer moved under us and we must look again.
  // Each look reads the pointer and the incident once; on the way to a new incident, nothing twice. The
  // first look takes the pointer as this process holds it, where it does (a watched index): every write
  // that follows is a compare-and-set on its revision, so a pointer held stale costs one failed write.
  let looks = 0
  const routeOnce = Effect.gen(function*() {
    const pointer = (looks++ === 0 ? index.peek(tenant, residentId) : undefined) ?? (yield* index.lookup(tenant, residentId))
    if (isVacant(pointer)) {
      if (yield* index.reserve(tenant, residentId, ownId, pointer)) return Option.some(yield* open(ownId))
      return Option.none<Routed>()
    }
    const { incidentId, revision, createdAt } = pointer
    const stored = yield* store.load(tenant, incidentId)
    if (Option.isNone(stored)) {
      // Reserved but not yet written: ours from an attempt that died, another copy's in flight, or abandoned.
      if (incidentId === ownId) return Option.some(yield* open(ownId))
      const now = yield* Clock.currentTimeMillis
      if (now - createdAt.getTime() > AbandonedReservationMs) return yield* takeOver(revision)
      yield* Effect.sleep("25 millis")
      return Option.none<Routed>()
    }
    // A resident who has had an alarm before: the pointer still names the last incident, ended.
    if (!ActiveStatuses.includes(stored.value.state.status)) return yield* takeOver(revision)
    return yield* store.execute(tenant, incidentId, { type: "correlate_device_event", at, decision, deviceEvent: event }, stored).pipe(
      Effect.as(Option.some<Routed>({ incidentId, opened: false })),
      // Ended between our read and our write: a fresh incident in its place.
      Effect.catchTag("IncidentEnded", () => takeOver(revision)),
      Effect.catchTag("IncidentContended", () => Effect.succeed(Option.none<Routed>()))
    )
  })

  // Twenty looks in all, each reading the pointer afresh.
  const routed = yield* routeOnce.pipe(Effect.repeat({ times: 19, until: Option.isSome }))
  if (Option.isSome(routed)) return routed.value
  return yield* new RoutingContended({ residentId, message: "no stable open incident after 20 attempts" })
})
