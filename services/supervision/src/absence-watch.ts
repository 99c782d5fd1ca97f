import { Cause, Clock, Effect, Layer, Metric, Option } from "effect"
import type { NatsRequestFailed } from "@wt/nats"
import { seriesOf } from "@wt/observability"
import { type DeviceOwner, Registry } from "@wt/registry"
import {
  type Absence,
  absenceEvent,
  absenceOfCheck,
  checkKey,
  deadlineMs,
  due,
  intervalOrDefault,
  isDue,
  LookAgenda,
  markMorningRaised,
  markRaised,
  markSilenceRaised,
  type MorningWindow,
  morningWindow,
  openedAtMs,
  quietMorningIn,
  sighted,
  silenceDeadlineMs
} from "@wt/supervision"
import { routeTriaged, SupervisionStorms } from "@wt/incident-store"
import { absenceContext, absenceDecision } from "./absence-decisions.ts"
import { forEachChunk } from "./in-chunks.ts"
import { processedThrough, WatermarkHistory } from "./lane-watermark.ts"
import { SignsJournal } from "./signs-journal.ts"
import { SignsOfLife } from "./signs-of-life.ts"
import { SupervisedFleet } from "./supervised-fleet.ts"
import { policyFor } from "./supervision-policy.ts"
import { SupervisionSettings } from "./supervision-settings.ts"
import { residentKey, SupervisionStore } from "./supervision-store.ts"

const raised = seriesOf(Metric.counter("wt_supervision_absences_total", { description: "Absences raised as incidents, by kind", incremental: true }))
const judgedBehind = Metric.gauge("wt_supervision_judged_behind_seconds", {
  description: "How far behind now the absence watch judges: every lane read up to then. Large while a lane's backlog is read or its reader is lost"
})

// A handled sign of life waits up to a flush in some copy's buffer; this covers its journal page reaching this copy.
const SettleMs = 500

// Absences settled at once. A silence that joins a storm waits for the storm's next batch (every
// 250 ms): at 16 at a time the watch raised about 60 a second, and a silent fleet of 100,000 would
// have taken it half an hour, a look all that time (the full benchmark, 2026-12-07: 6,047 raised in
// its first 190 s). A chunk's worth goes into one batch.
const SettleConcurrency = 256

/**
 * Raises one absence as an incident through the routing triage uses (a silent device
 * joins a supervision storm when one is under way), with a synthetic event whose id
 * is a function of the absence: two copies, or one that restarted before marking it
 * raised, land on the same incident. False when the device is no longer registered
 * (nothing raised, nothing to mark). `known` is its owner when already looked up (None:
 * not registered); otherwise the registry is asked.
 */
export const raiseAbsence = Effect.fn("Supervision.raiseAbsence")(function*(absence: Absence, known?: Option.Option<DeviceOwner>) {
  const { ruleBook } = yield* SupervisionSettings
  const signs = yield* SignsOfLife
  // Judged silent up to a watermark in the past, and from a sighting read up to a chunk ago: a device
  // heard from since is not raised (else the benchmark's storm went on growing for 10 s after its
  // devices had come back).
  const heardSince = () => absence._tag === "DeviceSilent" && signs.heardSince(absence.tenant, absence.deviceId, absence.lastSeenMs)
  if (heardSince()) return true
  const owner = known ?? (yield* (yield* Registry).deviceOwner(absence.tenant, absence.deviceId))
  if (Option.isNone(owner)) return false
  const ctx = absenceContext(absence, owner.value)
  const decision = absenceDecision(absence, ctx, ruleBook)
  // The tenant's rules switch this absence off: settled, not raised.
  if (decision === undefined) return true
  const event = absenceEvent(absence)
  const routed = yield* routeTriaged(event, owner.value.residentId, decision, ctx)
  // Heard from while its loss was on its way into a storm: a sign of life handled before the loss was
  // queued found nothing to restore. (A whole fleet returns at once when a mobile network comes back;
  // ~2,000 of the benchmark's returning devices stayed on its storm.)
  if (heardSince()) yield* (yield* SupervisionStorms).heardFrom(absence.tenant, absence.deviceId)
  yield* Metric.update(raised({ kind: absence._tag, priority: decision.priority }), 1)
  yield* Effect.logInfo("absence raised").pipe(
    Effect.annotateLogs({
      kind: absence._tag,
      incidentId: routed.incidentId,
      opened: routed.opened,
      priority: decision.priority,
      rule: decision.ruleId,
      eventId: event.id,
      deviceId: absence.deviceId
    })
  )
  return true
})

interface Due {
  readonly absence: Absence
  /** Marks it raised in KV, if it is still the same absence. */
  readonly mark: () => Effect.Effect<unknown, NatsRequestFailed>
}

/**
 * The owners of a chunk's devices, one query per tenant: raising a silent fleet device by device
 * was a database round trip for each, about 0.3 ms of supervision's CPU apiece (the profiled full
 * benchmark, 2026-12-07). Undefined for an absence whose tenant's query failed: it is looked up on
 * its own.
 */
const ownersOf = Effect.fnUntraced(function*(chunk: ReadonlyArray<Due>) {
  const registry = yield* Registry
  const ids = new Map<string, Array<string>>()
  for (const { absence } of chunk) {
    const tenantIds = ids.get(absence.tenant)
    if (tenantIds === undefined) ids.set(absence.tenant, [absence.deviceId])
    else tenantIds.push(absence.deviceId)
  }
  const found = new Map<string, ReadonlyMap<string, DeviceOwner>>()
  yield* Effect.forEach(ids, ([tenant, deviceIds]) =>
    registry.deviceOwners(tenant, deviceIds).pipe(
      Effect.tap((owners) => Effect.sync(() => found.set(tenant, owners))),
      Effect.catchCause((cause) => Effect.logWarning(`owners of ${deviceIds.length} absent devices not found at once: ${Cause.pretty(cause).split("\n")[0]}`))
    ), { discard: true })
  return (absence: Absence): Option.Option<DeviceOwner> | undefined => {
    const owners = found.get(absence.tenant)
    return owners === undefined ? undefined : Option.fromNullishOr(owners.get(absence.deviceId))
  }
})

/** A chunk of absences: their owners looked up together, then each settled. */
const settleChunk = (chunk: ReadonlyArray<Due>) =>
  Effect.flatMap(ownersOf(chunk), (ownerOf) => Effect.forEach(chunk, (due) => settle(due, ownerOf(due.absence)), { concurrency: SettleConcurrency, discard: true }))

/** One absence: raised, then marked in KV so no copy raises it again. A failure is retried next tick. */
const settle = ({ absence, mark }: Due, owner: Option.Option<DeviceOwner> | undefined) =>
  raiseAbsence(absence, owner).pipe(
    Effect.flatMap((done) => (done ? mark() : Effect.void)),
    Effect.catchCause((cause) =>
      Effect.logWarning(`absence ${absence._tag} of ${absence.deviceId} not raised yet: ${Cause.pretty(cause).split("\n")[0]}`)
    )
  )

/**
 * What is overdue, found as it is settled: when a whole fleet falls silent, the list of it would be
 * the largest thing in memory. Only the devices the agenda has for now are looked at (see LookAgenda).
 * A person's expectations come first (back in bed, a door closed, a dose taken, a morning's
 * movement), silent devices after: a mass outage's thousands of silences must not hold back the
 * one resident who left bed. A look stopped before the end leaves the devices it did not reach on
 * the agenda for the next look (LookAgenda.due's finally).
 */
function* overdue(
  settings: SupervisionSettings["Service"],
  store: SupervisionStore["Service"],
  fleet: SupervisedFleet["Service"],
  signs: SignsOfLife["Service"],
  agenda: LookAgenda,
  now: number,
  through: number
): Generator<Due> {
  for (const check of due([...store.checks.entries()].map(([, c]) => c), now)) {
    const absence = absenceOfCheck(check)
    if (absence === undefined || (deadlineMs(check) ?? now) >= through) continue
    if (fleet.device(check.tenant, check.deviceId) === undefined) continue
    const opened = openedAtMs(check)
    yield {
      absence,
      mark: () =>
        store.checks.modify(checkKey(check), (current) =>
          current !== undefined && openedAtMs(current) === opened && isDue(current, now) ? markRaised(current) : undefined)
    }
  }

  // Each tenant's morning window, worked out once per look.
  const mornings = new Map<string, MorningWindow>()
  const nowIso = new Date(now).toISOString()
  for (const sensor of fleet.motionSensors()) {
    const key = residentKey(sensor.tenant, sensor.residentId)
    const record = store.activity.get(key)
    if (record === undefined) continue
    let morning = mornings.get(sensor.tenant)
    if (morning === undefined) {
      morning = morningWindow(now, policyFor(settings, sensor.tenant, nowIso))
      mornings.set(sensor.tenant, morning)
    }
    const quiet = quietMorningIn(record, morning, now)
    if (quiet === undefined || quiet.byMs >= through) continue
    yield {
      absence: {
        _tag: "NoMorningActivity",
        tenant: sensor.tenant,
        deviceId: sensor.deviceId,
        residentId: sensor.residentId,
        day: quiet.day,
        deadlineMs: quiet.byMs
      },
      mark: () =>
        store.activity.modify(key, (current) =>
          current !== undefined && current.raisedForDay !== quiet.day ? markMorningRaised(current, quiet.day) : undefined)
    }
  }

  for (const key of agenda.due(through)) {
    // Not in KV, or not supervised: back on the agenda when KV has it again or the fleet changes.
    const stored = store.sightings.get(key)
    if (stored === undefined) continue
    const device = fleet.byKey(key)
    if (device === undefined) continue
    const intervalS = intervalOrDefault(settings.policy, device.heartbeatIntervalS)
    // A device that keeps reporting has its last sign in the journal; KV's may be minutes old.
    const sighting = signs.latest(key, stored)
    // Raised already: its next sign of life puts it back on the agenda.
    if (sighting.raisedForMs === sighting.lastSeenMs) continue
    const deadline = silenceDeadlineMs(sighting, intervalS, settings.policy)
    // Not past its deadline yet (`isSilent`, its raised check done above), or not before what every lane was read up to.
    if (now <= deadline || deadline >= through) {
      agenda.lookAt(key, deadline)
      continue
    }
    // Looked at again next time: raised by then, heard from, or (not raised) found again.
    agenda.lookNext(key)
    // Heard from, but not in the journal yet: this copy's buffer, or its flush under way, has the sign of life.
    if (signs.heardSince(device.tenant, device.deviceId, sighting.lastSeenMs)) continue
    yield {
      absence: { _tag: "DeviceSilent", tenant: device.tenant, deviceId: device.deviceId, lastSeenMs: sighting.lastSeenMs, deadlineMs: deadline },
      // KV is brought up to the last sign the silence is judged from, unless it holds a newer one.
      mark: () =>
        store.sightings.modify(key, (current) =>
          current !== undefined && current.lastSeenMs <= sighting.lastSeenMs && current.raisedForMs !== sighting.lastSeenMs
            ? markSilenceRaised(sighted(current, sighting.lastSeenMs, sighting.intervalS))
            : undefined)
    }
  }
}

/** The devices to look at and when; which read of the fleet they were all put on the agenda for. */
interface Looks {
  readonly agenda: LookAgenda
  fleetGeneration: number | undefined
}

const tick = Effect.fnUntraced(function*(watermarks: WatermarkHistory, looks: Looks) {
  const settings = yield* SupervisionSettings
  const store = yield* SupervisionStore
  const fleet = yield* SupervisedFleet
  const signs = yield* SignsOfLife
  const clock = yield* Clock.Clock
  const now = clock.currentTimeMillisUnsafe()
  // A fleet read anew may supervise a device it did not, or with a shorter interval: every device is looked at.
  if (fleet.generation() !== looks.fleetGeneration) {
    looks.fleetGeneration = fleet.generation()
    for (const [key] of store.sightings.entries()) looks.agenda.lookNext(key)
  }
  // Judge only up to what every lane had been read up to a flush and a settle ago.
  watermarks.record(now, yield* processedThrough(now))
  const through = watermarks.asOf(now - settings.flushEveryMs - SettleMs)
  yield* Metric.update(judgedBehind, watermarks.behindMs(now, through) / 1000)
  // Until the look's time is up: then a new look, at a newer watermark, with a person's expectations first.
  const until = now + settings.watchEveryMs
  let finished = true
  yield* forEachChunk(overdue(settings, store, fleet, signs, looks.agenda, now, through), settleChunk, {
    chunk: SettleConcurrency,
    continueWhile: () => (finished = clock.currentTimeMillisUnsafe() < until)
  })
  return finished
})

/**
 * Every few seconds, finds what is overdue in the supervision state (silent devices,
 * checks past their deadline, quiet mornings) and raises each once. It starts only
 * once the state is rebuilt from KV and the journal, so a restart loses no timer: deadlines are data.
 */
export const AbsenceWatch = Layer.effectDiscard(
  Effect.gen(function*() {
    const settings = yield* SupervisionSettings
    const store = yield* SupervisionStore
    const journal = yield* SignsJournal
    const fleet = yield* SupervisedFleet
    // A sign of life only moves a deadline later, except for a device off the agenda (new to KV, or
    // its silence raised): that one is looked at next time.
    const looks: Looks = { agenda: new LookAgenda(), fleetGeneration: undefined }
    const onChange = (key: string) => looks.agenda.lookNextUnlessListed(key)
    store.sightings.onChange(onChange)
    journal.onNewer(onChange)
    yield* Effect.forkScoped(
      Effect.gen(function*() {
        yield* store.loaded
        yield* journal.loaded
        yield* fleet.ready
        const watermarks = new WatermarkHistory(yield* Clock.currentTimeMillis)
        yield* Effect.forever(
          tick(watermarks, looks).pipe(
            Effect.catchCause((cause) => Effect.as(Effect.logWarning(`absence watch tick failed: ${Cause.pretty(cause).split("\n")[0]}`), true)),
            // A look stopped at its time with more to do is followed at once.
            Effect.flatMap((finished) => (finished ? Effect.sleep(settings.watchEveryMs) : Effect.void))
          )
        )
      })
    )
  })
)
