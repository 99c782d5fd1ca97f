import { expect, layer } from "@effect/vitest"
import { Context, Effect, Layer, Schedule } from "effect"
import { Nats, SignsOfLifeStream } from "@wt/nats"
import { kvAfterFor } from "@wt/supervision"
import { SignsJournal } from "./signs-journal.ts"
import { deviceKey, SupervisionStore } from "./supervision-store.ts"
import { awaitEnrolled, fastSettings, heartbeat, startSupervision, supervisionTestBase } from "./supervision-testing.ts"

const Base = supervisionTestBase({ residents: 12, fastDevices: [] })
const alarm = (n: number) => `alarm-${String(n).padStart(6, "0")}`
const devices = Array.from({ length: 12 }, (_, i) => alarm(i + 1))

const journalMessages = Nats.use((nats) => nats.streamInfo(SignsOfLifeStream.name)).pipe(Effect.map((info) => info.state.messages))

/** Another copy's reading of the journal: only the journal, in a scope of the test's own. */
const journalReader = Effect.gen(function*() {
  const context = yield* Layer.build(SignsJournal.layer)
  const journal = Context.get(context, SignsJournal)
  yield* journal.loaded
  return journal
})

/** Polls every 50 ms until `done` (the test's own timeout is the limit). */
const until = (done: () => boolean) => Effect.sync(done).pipe(Effect.repeat({ schedule: Schedule.spaced("50 millis"), until: (ok) => ok }))

layer(Base, { excludeTestServices: true, timeout: 60_000 })("supervision's journal of signs of life", (it) => {
  it.effect("the devices heard from in a flush are one journal message, not a KV write each, and another copy learns every sign from it", () =>
    Effect.gen(function*() {
      const store = yield* startSupervision(fastSettings())
      yield* Effect.forEach(devices, (d) => awaitEnrolled(d).pipe(Effect.provideService(SupervisionStore, store)))
      const registered = new Map(devices.map((d) => [d, store.sightings.get(deviceKey("demo", d))!]))
      const messagesBefore = yield* journalMessages

      const beats = yield* Effect.forEach(devices, heartbeat, { concurrency: "unbounded" })
      const other = yield* journalReader
      const signOf = (deviceId: string) => other.newest(deviceKey("demo", deviceId))?.atMs
      yield* until(() => beats.every((beat) => signOf(beat.deviceId) === Date.parse(beat.receivedAt!)))
      // Settled: no flush holds anything more.
      yield* Effect.sleep("500 millis")

      // Twelve devices, flushed every 200 ms while their heartbeats arrive: one or two pages, not twelve writes.
      const pages = (yield* journalMessages) - messagesBefore
      expect(pages).toBeGreaterThanOrEqual(1)
      expect(pages).toBeLessThanOrEqual(3)
      // Each device's KV entry is still its registration: the journal alone carries the heartbeat.
      for (const d of devices) expect(store.sightings.get(deviceKey("demo", d))).toEqual(registered.get(d))
    }))

  it.effect("a device that falls quiet has its last sign written to KV once it has been the newest for its share of the set time, not before", () =>
    Effect.gen(function*() {
      const kvAfterMs = 3_000
      const key = deviceKey("demo", alarm(3))
      // This device's own share of the set time (half of it to all of it).
      const ownMs = kvAfterFor(key, kvAfterMs)
      const store = yield* startSupervision({ ...fastSettings(), kvAfterMs })
      yield* awaitEnrolled(alarm(3)).pipe(Effect.provideService(SupervisionStore, store))
      const registered = store.sightings.get(key)!
      const beat = yield* heartbeat(alarm(3))
      const atMs = Date.parse(beat.receivedAt!)
      // The heartbeat is less than the device's time newer than KV's entry, so only its quiet can bring it to KV.
      expect(atMs - registered.lastSeenMs).toBeLessThan(ownMs)
      yield* Effect.sleep("600 millis")
      expect(store.sightings.get(key)).toEqual(registered)
      // Within the set time and a look for quiet devices (every twentieth of it).
      yield* until(() => store.sightings.get(key)?.lastSeenMs === atMs).pipe(Effect.timeout("10 seconds"))
      expect(store.sightings.get(key)?.lastSeenMs).toBe(atMs)
      expect(Date.now() - atMs).toBeGreaterThanOrEqual(ownMs)
    }))
})
