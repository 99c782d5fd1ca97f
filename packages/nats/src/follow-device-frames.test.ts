import { assert, layer } from "@effect/vitest"
import { Streams } from "@wt/contracts"
import { Effect, Fiber, Option, Result } from "effect"
import { consumerHandledCount } from "./consumer-metrics.ts"
import { decodeDeviceFrame } from "./device-frame.ts"
import { firstFrameFrom } from "./device-frame-start.ts"
import { type FramedLane, writeDeviceFrames } from "./device-frame-writer.ts"
import { followDeviceFrames } from "./follow-device-frames.ts"
import type { FramedThrough } from "./framed-through.ts"
import { DeviceFramesStream, deviceFramesStreamSpec } from "./installation.ts"
import { NatsConfig } from "./config.ts"
import { readAtSequence, readLastOnSubject, readSubject } from "./read.ts"
import { ensureStream } from "./streams.ts"
import { eventually, NatsTestServer, storeLaneEvents } from "./testing.ts"

const limits = { maxEvents: 40, maxBytes: 16 * 1024, maxWaitMs: 20 }

const writer = (lane: FramedLane) => Effect.forkChild(writeDeviceFrames({ lane, limits, firstFrom: firstFrameFrom(lane) }))

/** A follower from a position that keeps what it is handed (the sequences, in the order handed) and the marks it hears. */
const follower = (reader: string, lane: FramedLane, from: { readonly seq: number } | { readonly timeMs: number }) =>
  Effect.gen(function*() {
    const handed: Array<number> = []
    const marks: Array<FramedThrough & { readonly heardAtMs: number }> = []
    const fiber = yield* Effect.forkChild(followDeviceFrames({
      reader,
      lane,
      from,
      onFramedThrough: (mark) => void marks.push({ ...mark, heardAtMs: Date.now() }),
      onOpened: () => undefined,
      onLost: () => undefined,
      onUnreadable: (message) => assert.fail(`a frame did not decode: ${message}`),
      onEvent: (event) => void handed.push(event.seq)
    }))
    return { handed, marks, fiber }
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
      const { handed, fiber } = yield* follower("test-follow-tech", "tech", { seq: fromSeq })
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
      const { handed, fiber } = yield* follower("test-follow-telemetry", "telemetry", { seq: fromSeq })
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

  it.effect("a caught-up writer says how far its lane is framed, and each mark is true: every event stored before its time is at or before its sequence; no writer, no mark", () =>
    Effect.gen(function*() {
      const tech = yield* writer("tech")
      const { marks, fiber } = yield* follower("test-follow-marks", "tech", { seq: techStored.at(-1)! + 1 })
      // Bursts with quiet between: marks come while caught up, none while a frame gathers.
      for (let burst = 0; burst < 4; burst++) {
        yield* store(45)
        yield* Effect.sleep("700 millis")
      }
      const last = techStored.at(-1)!
      yield* eventually(Effect.sync(() => marks.at(-1)?.seq), (seq) => seq === last, "a mark through the lane's last event")
      yield* Fiber.interrupt(tech)
      const heardWhileWriting = marks.length
      // No writer: what is stored now is not framed, and nobody says otherwise.
      yield* store(30)
      yield* Effect.sleep("1500 millis")
      assert.isAtMost(marks.length, heardWhileWriting + 1)
      assert.isTrue(marks.every((mark) => mark.seq <= last))
      // Each mark against the stored times: no tech event stored before it lies beyond it.
      const storedAt = new Map<number, number>()
      for (const seq of techStored) storedAt.set(seq, Option.getOrThrow(yield* readAtSequence(Streams.device, seq)).storedAt.getTime())
      // And the frame holding each mark's sequence was stored before the mark was heard.
      const frames: Array<{ readonly from: number; readonly to: number; readonly storedAtMs: number }> = []
      for (const stored of yield* readSubject(DeviceFramesStream.name, DeviceFramesStream.subject("tech"))) {
        const frame = Result.getOrThrow(decodeDeviceFrame(stored.data))
        const at = Option.getOrThrow(yield* readAtSequence(DeviceFramesStream.name, stored.seq)).storedAt.getTime()
        frames.push({ from: frame.from, to: frame.to, storedAtMs: at })
      }
      for (const mark of marks) {
        assert.isAtMost(mark.atMs, mark.heardAtMs)
        const holding = frames.find((frame) => frame.from <= mark.seq && mark.seq <= frame.to)
        assert.isDefined(holding, `mark ${mark.seq} in a stored frame`)
        assert.isAtMost(holding!.storedAtMs, mark.heardAtMs, `mark ${mark.seq} heard after its frame was stored`)
        const beyond = techStored.filter((seq) => seq > mark.seq && storedAt.get(seq)! < mark.atMs)
        assert.deepStrictEqual(beyond, [], `mark ${mark.seq} at ${mark.atMs}`)
      }
      assert.isAtLeast(marks.length, 4)
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("from a time, hands on every event of the lane stored since (and a few before, of the first frame)", () =>
    Effect.gen(function*() {
      const tech = yield* writer("tech")
      yield* eventually(lastFrame("tech"), (last) => Option.isSome(last) && last.value.to === techStored.at(-1), "the tech lane framed")
      yield* Effect.sleep("30 millis")
      const since = Date.now()
      yield* Effect.sleep("30 millis")
      const later = yield* store(60)
      const { handed, fiber } = yield* follower("test-follow-time", "tech", { timeMs: since })
      yield* eventually(Effect.sync(() => handed.at(-1)), (seq) => seq === later.tech.at(-1), "the events since the time handed on")
      assert.deepStrictEqual(handed.filter((seq) => seq >= later.tech[0]!), later.tech)
      assert.isTrue(handed.every((seq, i) => i === 0 || seq > handed[i - 1]!))
      yield* Fiber.interrupt(fiber)
      yield* Fiber.interrupt(tech)
    }))
})
