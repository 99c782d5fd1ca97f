import { expect, layer } from "@effect/vitest"
import { Effect, Exit, Option, Scope } from "effect"
import { Streams } from "@wt/contracts"
import { DeviceFramesStream, Nats, readAtSequence, readLastOnSubject } from "@wt/nats"
import { clientOf, consumerHandledCount, eventually } from "@wt/nats/testing"
import { FollowedReaders, processedThrough, SupervisionDurables, SupervisionProgress } from "./lane-watermark.ts"
import { fastSettings, heartbeat, startSupervision, startSupervisionCopy, supervisionTestBase } from "./supervision-testing.ts"

const Base = supervisionTestBase({ residents: 4, fastDevices: [] })
const settings = fastSettings()

/** Tech-lane messages this process's followers were handed so far (the same counter the benchmark reads). */
const techHandled = consumerHandledCount(Streams.device, FollowedReaders.tech)

const heartbeats = (count: number) => Effect.forEach(Array.from({ length: count }, (_, i) => `alarm-00000${1 + (i % 4)}`), heartbeat)

const copyOfSupervision = Effect.gen(function*() {
  const scope = yield* Scope.make()
  yield* startSupervision(settings, scope)
  return scope
})

const durableExists = (name: string) =>
  Effect.gen(function*() {
    const { jsm } = clientOf(yield* Nats)
    return yield* Effect.promise(() => jsm.consumers.info(Streams.device, name).then(() => true, () => false))
  })

// In this order: the first start finds the old durable and an empty journal; the second finds the first's positions.
layer(Base, { excludeTestServices: true, timeout: 90_000 })("supervision's followed lanes", (it) => {
  it.effect("the first start after the change takes up the tech lane where the old durable had got to, and deletes that durable", () =>
    Effect.gen(function*() {
      const { jsm, js } = clientOf(yield* Nats)
      // The durable as supervision left it: three heartbeats handled and acknowledged, two not.
      yield* Effect.promise(() =>
        jsm.consumers.add(Streams.device, { durable_name: SupervisionDurables.tech, filter_subject: "wt.dev.*.tech.>", ack_policy: "explicit" as never })
      )
      yield* heartbeats(5)
      yield* Effect.promise(async () => {
        const consumer = await js.consumers.get(Streams.device, SupervisionDurables.tech)
        for (let i = 0; i < 3; i++) await (await consumer.next())?.ackAck()
      })
      const before = yield* techHandled
      const scope = yield* copyOfSupervision
      yield* eventually(techHandled, (n) => n - before >= 2, "the unacknowledged heartbeats read")
      yield* Effect.sleep("1 second")
      // The two it had not acknowledged, and not the three it had.
      expect((yield* techHandled) - before).toBe(2)
      expect(yield* durableExists(SupervisionDurables.tech)).toBe(false)
      // Neither triage-bulk nor audit runs here: supervision's own writer framed the lane it read.
      expect(Option.isSome(yield* readLastOnSubject(DeviceFramesStream.name, DeviceFramesStream.subject("tech")))).toBe(true)
      yield* Scope.close(scope, Exit.void)
    }))

  it.effect("a starting copy follows on from the position the journal's pages give: what was read before is not read again, what came meanwhile is", () =>
    Effect.gen(function*() {
      const first = yield* copyOfSupervision
      yield* heartbeats(8)
      // Stopping flushes what it holds into the journal, with the position it had read the lanes through.
      yield* Effect.sleep("1500 millis")
      yield* Scope.close(first, Exit.void)
      const meanwhile = 6
      yield* heartbeats(meanwhile)
      const before = yield* techHandled
      const second = yield* copyOfSupervision
      yield* eventually(techHandled, (n) => n - before >= meanwhile, "the heartbeats of the downtime read")
      yield* Effect.sleep("1 second")
      expect((yield* techHandled) - before).toBe(meanwhile)
      yield* heartbeats(3)
      yield* eventually(techHandled, (n) => n - before >= meanwhile + 3, "the later heartbeats read")
      yield* Effect.sleep("500 millis")
      expect((yield* techHandled) - before).toBe(meanwhile + 3)
      yield* Scope.close(second, Exit.void)
    }))

  it.effect("caught up on an idle lane's frames, a copy judges the lane up to about now by its writer's marks, not only up to its last event", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const { progress } = yield* startSupervisionCopy(settings, scope)
      const before = yield* techHandled
      yield* heartbeats(3)
      yield* eventually(techHandled, (n) => n - before >= 3, "the heartbeats read")
      const nats = yield* Nats
      const lastSeq = (yield* nats.streamInfo(Streams.device)).state.last_seq
      const lastStoredAt = Option.getOrThrow(yield* readAtSequence(Streams.device, lastSeq)).storedAt.getTime()
      // Idle for a while: with nothing more stored, only a writer's mark moves the lane on.
      yield* Effect.sleep("2 seconds")
      const now = Date.now()
      const through = progress.tech.through(now)!
      expect(through).toBeGreaterThan(lastStoredAt + 1_000)
      expect(through).toBeGreaterThanOrEqual(now - 1_500)
      expect(through).toBeLessThanOrEqual(now)
      expect(yield* processedThrough(now).pipe(Effect.provideService(SupervisionProgress, progress))).toBeGreaterThan(lastStoredAt + 1_000)
      yield* Scope.close(scope, Exit.void)
    }))
})
