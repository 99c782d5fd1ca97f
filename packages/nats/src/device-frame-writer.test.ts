import { assert, layer } from "@effect/vitest"
import { Subjects } from "@wt/contracts"
import { Effect, Fiber, Metric, Result } from "effect"
import { decodeDeviceFrame, type DeviceFrame } from "./device-frame.ts"
import { type FramedLane, writeDeviceFrames, writerPauses, writerRestarts } from "./device-frame-writer.ts"
import { DeviceFramesStream, deviceFramesStreamSpec } from "./installation.ts"
import { NatsConfig } from "./config.ts"
import { Nats } from "./connection.ts"
import { readSubject } from "./read.ts"
import { ensureStream } from "./streams.ts"
import { eventually, NatsTestServer, storeLaneEvents } from "./testing.ts"

const limits = { maxEvents: 40, maxBytes: 16 * 1024, maxWaitMs: 20 }
const storeEvents = storeLaneEvents

const framesOf = (lane: FramedLane) =>
  Effect.map(readSubject(DeviceFramesStream.name, DeviceFramesStream.subject(lane)), (messages) =>
    messages.map((m): DeviceFrame => {
      const frame = decodeDeviceFrame(m.data)
      assert.isTrue(Result.isSuccess(frame))
      return Result.getOrThrow(frame)
    }))

/** The lane's frames once they hold `count` events: they chain without gap or overlap from `from`. */
const chainedFrames = (lane: FramedLane, count: number, from = 1) =>
  Effect.gen(function*() {
    const frames = yield* eventually(framesOf(lane), (frames) => frames.reduce((n, f) => n + f.events.length, 0) >= count, `${count} ${lane} events framed`, { timeoutMs: 30_000 })
    frames.forEach((frame, i) => {
      assert.strictEqual(frame.from, i === 0 ? from : frames[i - 1]!.to + 1, `frame ${i} starts after the one before`)
      assert.strictEqual(frame.to, frame.events.at(-1)!.seq)
      assert.isAtMost(frame.events.length, limits.maxEvents)
      for (const event of frame.events) assert.match(event.subject, new RegExp(`^wt\\.dev\\.[a-z]+\\.${lane}\\.`))
    })
    return frames.flatMap((f) => f.events)
  })

// Reading pauses while 16 KiB of frames wait: a few hundred small events.
const writer = (lane: FramedLane, standbyMs = 5_000, maxWaitMs = limits.maxWaitMs) =>
  Effect.forkChild(writeDeviceFrames({ lane, limits: { ...limits, maxWaitMs }, firstFrom: Effect.succeed(1), standbyMs, pauseBytes: { above: 16 * 1024, below: 4 * 1024 } }))

/** The consumers on WT_DEVICE that follow the lane now: each writer follows it through one of its own. */
const followerNamesOf = Effect.fn("test.followerNamesOf")(function*(lane: FramedLane) {
  const consumers = yield* Effect.orDie((yield* Nats).listConsumers("WT_DEVICE"))
  return consumers.filter((c) => c.config.filter_subject === Subjects.deviceLaneFilter(lane)).map((c) => c.name)
})

/** How many writers follow the lane now. */
const followersOf = (lane: FramedLane) => Effect.map(followerNamesOf(lane), (names) => names.length)

layer(NatsTestServer.layerNats, { excludeTestServices: true, timeout: 120_000 })("writing device frames", (it) => {
  it.effect("each lane's frames hold every event of that lane once, in order, as stored; the first frame starts where it was told", () =>
    Effect.gen(function*() {
      yield* ensureStream(deviceFramesStreamSpec(yield* NatsConfig))
      const stored = yield* storeEvents(900)
      const fibers = [yield* writer("tech"), yield* writer("telemetry")]
      for (const lane of ["tech", "telemetry"] as const) {
        const framed = yield* chainedFrames(lane, stored[lane].length)
        assert.deepStrictEqual(framed.map((e) => e.seq), stored[lane])
        const asStored = new Map((yield* readSubject("WT_DEVICE", Subjects.deviceLaneFilter(lane))).map((m) => [m.seq, m]))
        for (const event of framed) {
          assert.deepStrictEqual([...event.data], [...asStored.get(event.seq)!.data])
          assert.strictEqual(event.subject, asStored.get(event.seq)!.subject)
        }
      }
      // Later events are framed as they come, after the ones before.
      const later = yield* storeEvents(300)
      const framed = yield* chainedFrames("tech", stored.tech.length + later.tech.length)
      assert.deepStrictEqual(framed.map((e) => e.seq), [...stored.tech, ...later.tech])
      yield* Effect.forEach(fibers, Fiber.interrupt)
    }))

  it.effect("a writer started again goes on after the last stored frame: nothing framed twice, nothing left out", () =>
    Effect.gen(function*() {
      const before = (yield* framesOf("telemetry")).flatMap((f) => f.events.map((e) => e.seq))
      // Stored while no writer runs, then read by the next one.
      const meanwhile = yield* storeEvents(600)
      const fiber = yield* writer("telemetry")
      const framed = yield* chainedFrames("telemetry", before.length + meanwhile.telemetry.length)
      assert.deepStrictEqual(framed.map((e) => e.seq), [...before, ...meanwhile.telemetry])
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("a backlog of many frames is framed whole: the writer pauses its reading while frames wait to be stored, through the one consumer, and never starts over", () =>
    Effect.gen(function*() {
      const restarts = Metric.value(Metric.withAttributes(writerRestarts, { lane: "telemetry", reason: "failed" })).pipe(Effect.map((s) => s.count))
      const before = yield* restarts
      const pauses = Metric.value(Metric.withAttributes(writerPauses, { lane: "telemetry" })).pipe(Effect.map((s) => s.count))
      const pausedBefore = yield* pauses
      // 4,500 telemetry events at 40 a frame: over a hundred frames, while about 16 KiB of them may wait.
      for (let i = 0; i < 9; i++) yield* storeEvents(1_500)
      const stored = (yield* readSubject("WT_DEVICE", Subjects.deviceLaneFilter("telemetry"))).map((m) => m.seq)
      // An earlier test's writer deletes its consumer as it ends, without waiting: not this writer's.
      yield* eventually(followersOf("telemetry"), (n) => n === 0, "the earlier tests' writers gone")
      const fiber = yield* writer("telemetry")
      const follower = yield* eventually(followerNamesOf("telemetry"), (names) => names.length === 1, "the writer following")
      const framed = yield* chainedFrames("telemetry", stored.length)
      assert.deepStrictEqual(framed.map((e) => e.seq), stored)
      assert.strictEqual(yield* restarts, before)
      assert.isAbove(yield* pauses, pausedBefore)
      // Held, not ended: nats-server made no new consumer, nor counted one's pending messages.
      assert.deepStrictEqual(yield* followerNamesOf("telemetry"), follower)
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("two writers of one lane at once store one chain: every event once, whichever wrote each frame", () =>
    Effect.gen(function*() {
      const overtaken = Metric.value(Metric.withAttributes(writerRestarts, { lane: "tech", reason: "overtaken" })).pipe(Effect.map((s) => s.count))
      const overtakenBefore = yield* overtaken
      const fibers = [yield* writer("tech", 100), yield* writer("tech", 100)]
      for (let round = 0; round < 10; round++) {
        yield* storeEvents(150)
        yield* Effect.sleep("30 millis")
      }
      // Every tech event stored so far, the earlier tests' too.
      const stored = (yield* readSubject("WT_DEVICE", Subjects.deviceLaneFilter("tech"))).map((m) => m.seq)
      const framed = yield* chainedFrames("tech", stored.length)
      assert.deepStrictEqual(framed.map((e) => e.seq), stored)
      // One of them found the other's frame first (or the same frame) and stood by.
      assert.isAbove(yield* overtaken, overtakenBefore)
      yield* Effect.forEach(fibers, Fiber.interrupt)
    }))

  it.effect("a writer standing by stays by while the writing one marks, on a lane too quiet for frames, and takes the lane over once the marks stop", () =>
    Effect.gen(function*() {
      const overtaken = Metric.value(Metric.withAttributes(writerRestarts, { lane: "tech", reason: "overtaken" })).pipe(Effect.map((s) => s.count))
      yield* ensureStream(deviceFramesStreamSpec(yield* NatsConfig))
      yield* eventually(followersOf("tech"), (n) => n === 0, "the earlier tests' writers gone")
      const overtakenBefore = yield* overtaken
      // Both follow the lane; the first closes its frame 20 ms after its first event, the second
      // only after 1 s, so the first stores it and the second finds itself overtaken.
      const first = yield* writer("tech", 200)
      const second = yield* writer("tech", 200, 1_000)
      yield* eventually(followersOf("tech"), (n) => n === 2, "both writers following")
      yield* storeEvents(9)
      yield* eventually(overtaken, (n) => n > overtakenBefore, "the second writer overtaken", { timeoutMs: 10_000 })
      yield* eventually(followersOf("tech"), (n) => n === 1, "the overtaken writer's consumer gone")
      // Ten waits with no event on the lane: no frame comes, but the first writer's marks do.
      yield* Effect.sleep("2 seconds")
      assert.strictEqual(yield* followersOf("tech"), 1, "one writer follows the quiet lane")
      assert.strictEqual(yield* overtaken, overtakenBefore + 1, "nobody read the lane beside it to be overtaken again")
      // The writing one stops: its marks stop, and the one standing by takes the lane over.
      yield* Fiber.interrupt(first)
      const later = yield* storeEvents(30)
      const stored = (yield* readSubject("WT_DEVICE", Subjects.deviceLaneFilter("tech"))).map((m) => m.seq)
      assert.includeMembers(stored, later.tech)
      const framed = yield* chainedFrames("tech", stored.length)
      assert.deepStrictEqual(framed.map((e) => e.seq), stored)
      yield* Fiber.interrupt(second)
    }))
})
