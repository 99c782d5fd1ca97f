import { assert, layer } from "@effect/vitest"
import { Streams } from "@wt/contracts"
import { Effect, Fiber, Option, Result } from "effect"
import { consumerHandledCount } from "./consumer-metrics.ts"
import { decodeDeviceFrame } from "./device-frame.ts"
import { firstFrameFrom } from "./device-frame-start.ts"
import { type FramedLane, writeDeviceFrames } from "./device-frame-writer.ts"
import { followDeviceFrames, laneSeqAt, laneStoredAfter } from "./follow-device-frames.ts"
import { DeviceFramesStream, deviceFramesStreamSpec } from "./installation.ts"
import { NatsConfig } from "./config.ts"
import { readAtSequence, readLastOnSubject, readSubject } from "./read.ts"
import { ensureStream } from "./streams.ts"
import { eventually, NatsTestServer, storeLaneEvents } from "./testing.ts"

const limits = { maxEvents: 40, maxBytes: 16 * 1024, maxWaitMs: 20 }

const writer = (lane: FramedLane) => Effect.forkChild(writeDeviceFrames({ lane, limits, firstFrom: firstFrameFrom(lane) }))

/** A follower from `fromSeq` that keeps what it is handed: the sequences, in the order handed. */
const follower = (reader: string, lane: FramedLane, fromSeq: number) =>
  Effect.gen(function*() {
    const handed: Array<number> = []
    const fiber = yield* Effect.forkChild(followDeviceFrames({
      reader,
      lane,
      fromSeq,
      onOpened: () => undefined,
      onLost: () => undefined,
      onUnreadable: (message) => assert.fail(`a frame did not decode: ${message}`),
      onEvent: (event) => void handed.push(event.seq)
    }))
    return { handed, fiber }
  })

/** Every tech-lane sequence stored by this file's tests, in order. */
const techStored: Array<number> = []
const store = (count: number) => Effect.tap(storeLaneEvents(count), (seqs) => Effect.sync(() => void techStored.push(...seqs.tech)))

const lastFrame = (lane: FramedLane) =>
  Effect.map(readLastOnSubject(DeviceFramesStream.name, DeviceFramesStream.subject(lane)), Option.map((m) => Result.getOrThrow(decodeDeviceFrame(m.data))))

layer(NatsTestServer.layerNats, { excludeTestServices: true, timeout: 120_000 })("following a lane's device frames", (it) => {
  it.effect("hands on each event from its position once and in order, skipping the first frame's earlier events, then what is stored later; counted as the lane's messages", () =>
    Effect.gen(function*() {
      yield* ensureStream(deviceFramesStreamSpec(yield* NatsConfig))
      const stored = yield* store(300)
      const tech = yield* writer("tech")
      yield* eventually(lastFrame("tech"), (last) => Option.isSome(last) && last.value.to === stored.tech.at(-1), "the tech lane framed")
      // A position inside a frame (frames hold up to 40 events here).
      const fromSeq = stored.tech[37]!
      const { handed, fiber } = yield* follower("test-follow-tech", "tech", fromSeq)
      const later = yield* store(150)
      const expected = [...stored.tech, ...later.tech].filter((seq) => seq >= fromSeq)
      yield* eventually(Effect.sync(() => handed.length), (n) => n >= expected.length, "every tech event from the position handed on")
      yield* Effect.sleep("300 millis")
      assert.deepStrictEqual(handed, expected)
      assert.strictEqual(yield* consumerHandledCount(Streams.device, "test-follow-tech"), expected.length)
      yield* Fiber.interrupt(fiber)
      yield* Fiber.interrupt(tech)
    }))

  it.effect("with no frame of the lane yet, a follower marks its position first: the first frame, written afterwards, starts there and nothing from it on is missed", () =>
    Effect.gen(function*() {
      // The telemetry lane has events but no frame yet.
      const stored = yield* store(120)
      assert.isTrue(Option.isNone(yield* lastFrame("telemetry")))
      const fromSeq = stored.telemetry[10]!
      const { handed, fiber } = yield* follower("test-follow-telemetry", "telemetry", fromSeq)
      yield* eventually(firstFrameFrom("telemetry"), (from) => from === fromSeq, "the position marked")
      const telemetry = yield* writer("telemetry")
      const expected = stored.telemetry.filter((seq) => seq >= fromSeq)
      yield* eventually(Effect.sync(() => handed.length), (n) => n >= expected.length, "every telemetry event from the position handed on")
      assert.deepStrictEqual(handed, expected)
      const frames = yield* readSubject(DeviceFramesStream.name, DeviceFramesStream.subject("telemetry"))
      assert.strictEqual(Result.getOrThrow(decodeDeviceFrame(frames[0]!.data)).from, fromSeq)
      yield* Fiber.interrupt(fiber)
      yield* Fiber.interrupt(telemetry)
    }))

  it.effect("says from when a lane's events wait to be framed, none when all are; and turns a time into the lane's first sequence stored since", () =>
    Effect.gen(function*() {
      // No writer runs now: what is stored stays unframed.
      const framed = yield* lastFrame("tech")
      assert.isTrue(Option.isSome(framed))
      const through = Option.getOrThrow(framed).to
      const meanwhile = yield* store(30)
      // The tech events stored since the writer stopped (the test before this one stored some too) wait.
      const firstUnframed = Option.getOrThrow(yield* readAtSequence(Streams.device, techStored.find((seq) => seq > through)!))
      assert.deepStrictEqual(yield* laneStoredAfter("tech", through), Option.some(firstUnframed.storedAt.getTime()))
      // Alarm and telemetry events after the last tech one are not the tech lane's.
      assert.isTrue(Option.isNone(yield* laneStoredAfter("tech", meanwhile.tech.at(-1)!)))

      yield* Effect.sleep("20 millis")
      const since = Date.now()
      yield* Effect.sleep("20 millis")
      const after = yield* store(9)
      // After the lane's last event stored before the time, and no later than its first one stored
      // since (another lane's event between the two may be where it starts).
      for (const lane of ["tech", "telemetry"] as const) {
        const at = yield* laneSeqAt(lane, since)
        assert.isAbove(at, meanwhile[lane].at(-1)!, lane)
        assert.isAtMost(at, after[lane][0]!, lane)
      }
      // Nothing stored since: past the lane's last event, and no further than one past the stream's last.
      const none = yield* laneSeqAt("tech", Date.now() + 60_000)
      assert.isAbove(none, after.tech.at(-1)!)
      assert.isAtMost(none, Math.max(...after.alarm, ...after.tech, ...after.telemetry) + 1)
    }))
})
