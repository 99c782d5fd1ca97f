import { assert, layer } from "@effect/vitest"
import { Subjects } from "@wt/contracts"
import { Effect, Result } from "effect"
import { clientOf } from "./client.ts"
import { NatsConfig } from "./config.ts"
import { Nats } from "./connection.ts"
import { decodeDeviceFrame, encodeDeviceFrame } from "./device-frame.ts"
import { firstFrameFrom, frameReaderStart, moveToFrames } from "./device-frame-start.ts"
import { DeviceFramesStream, deviceFramesStreamSpec } from "./installation.ts"
import { publishRaw, publishRawAll } from "./publish.ts"
import { ensureStream } from "./streams.ts"
import { durableAckedUpTo, NatsTestServer } from "./testing.ts"

const enc = (text: string) => new TextEncoder().encode(text)

const oldDurable = durableAckedUpTo

const durableExists = (name: string) =>
  Nats.use((nats) => Effect.promise(() => clientOf(nats).jsm.consumers.info("WT_DEVICE", name).then(() => true, () => false)))

/** A frame of the lane covering [from, to], holding its last sequence only. */
const storeFrame = (lane: "tech" | "telemetry", from: number, to: number) =>
  publishRaw(
    DeviceFramesStream.subject(lane),
    encodeDeviceFrame({ from, to, events: [{ seq: to, storedAtMs: 1, subject: Subjects.device("t", lane, lane === "tech" ? "technical" : "gps", "d"), data: enc("{}") }] }),
    { msgId: `${lane}-${from}-${to}` }
  ).pipe(Effect.map((p) => p.seq))

/** The lane's first frame stored at or after a frames-stream sequence: its sequence and range. */
const laneFrameFrom = (lane: "tech" | "telemetry", seq: number) =>
  Nats.use((nats) =>
    Effect.promise(async () => {
      const m = await clientOf(nats).jsm.direct.getMessage(DeviceFramesStream.name, { seq, next_by_subj: DeviceFramesStream.subject(lane) }).catch(() => null)
      if (m === null) return undefined
      const frame = Result.getOrThrow(decodeDeviceFrame(m.data))
      return { seq: m.seq, from: frame.from, to: frame.to }
    })
  )

layer(NatsTestServer.layerNats, { excludeTestServices: true, timeout: 120_000 })("where device frames begin, and where a reader takes them up", (it) => {
  it.effect("a lane's first frame starts at the lowest position of the durables that read it and of the marks readers left; at 1 when there are none", () =>
    Effect.gen(function*() {
      yield* ensureStream(deviceFramesStreamSpec(yield* NatsConfig))
      const events = Array.from({ length: 60 }, (_, i) => {
        const lane = (["alarm", "tech", "telemetry"] as const)[i % 3]!
        return { subject: Subjects.device("t", lane, lane === "alarm" ? "safety_alarm" : lane === "tech" ? "technical" : "gps", `d${i}`), bytes: enc(`{"i":${i}}`), options: { msgId: `e${i}` } }
      })
      yield* publishRawAll(events)
      assert.strictEqual(yield* firstFrameFrom("tech"), 1)

      yield* oldDurable("old-all", Subjects.deviceAll, 31)
      yield* oldDurable("old-alarm", Subjects.deviceLaneFilter("alarm"), 5)
      yield* oldDurable("old-tech", Subjects.deviceLaneFilter("tech"), 20)
      // The alarm lane's durable reads no bulk lane: it holds nothing back.
      assert.strictEqual(yield* firstFrameFrom("tech"), 20)
      assert.strictEqual(yield* firstFrameFrom("telemetry"), 31)

      // A reader leaving its durable marks where it was before the durable goes: the lowest position stays.
      const offered: Array<number | undefined> = []
      const next = yield* moveToFrames("old-tech", ["tech"], (next) => Effect.sync(() => void offered.push(next)))
      assert.strictEqual(next, 20)
      assert.deepStrictEqual(offered, [20])
      assert.isFalse(yield* durableExists("old-tech"))
      assert.strictEqual(yield* firstFrameFrom("tech"), 20)

      // A take-up that fails leaves the old durable to be moved again.
      const failed = yield* Effect.result(moveToFrames("old-all", ["tech", "telemetry"], () => Effect.fail("no durable made")))
      assert.isTrue(Result.isFailure(failed))
      assert.isTrue(yield* durableExists("old-all"))
      assert.strictEqual(yield* moveToFrames("old-all", ["tech", "telemetry"], () => Effect.void), 31)
      assert.isFalse(yield* durableExists("old-all"))
      assert.strictEqual(yield* firstFrameFrom("telemetry"), 31)

      // No such durable: nothing to move from.
      const none: Array<number | undefined> = []
      assert.strictEqual(yield* moveToFrames("never-was", ["tech"], (next) => Effect.sync(() => void none.push(next))), undefined)
      assert.deepStrictEqual(none, [undefined])
    }))

  it.effect("a reader takes a lane's frames up at the first frame holding its next sequence, whatever the other lane's frames between", () =>
    Effect.gen(function*() {
      const tech: Array<{ seq: number; from: number; to: number }> = []
      let from = { tech: 1, telemetry: 1 }
      for (let i = 0; i < 40; i++) {
        const lane = i % 3 === 0 ? "telemetry" : "tech"
        const to = from[lane] + 4 + (i % 5)
        const seq = yield* storeFrame(lane, from[lane], to)
        if (lane === "tech") tech.push({ seq, from: from[lane], to })
        from = { ...from, [lane]: to + 1 }
      }
      assert.strictEqual(yield* frameReaderStart("tech", undefined), "all")
      for (const next of [1, 2, tech[3]!.from, tech[3]!.to, tech[3]!.to + 1, tech.at(-1)!.to]) {
        const start = yield* frameReaderStart("tech", next)
        assert.isTrue(typeof start === "object" && "startSeq" in start)
        if (typeof start !== "object" || !("startSeq" in start)) return
        const holding = tech.find((f) => f.to >= next)!
        // The first frame read holds `next`; none before it does.
        assert.deepStrictEqual(yield* laneFrameFrom("tech", start.startSeq), holding)
        assert.isTrue(tech.filter((f) => f.seq < start.startSeq).every((f) => f.to < next))
      }
      // Past every frame: after the last one, so the next one stored is the first read.
      const beyond = yield* frameReaderStart("tech", tech.at(-1)!.to + 1)
      assert.deepStrictEqual(beyond, { startSeq: tech.at(-1)!.seq + 1 })
      assert.strictEqual(yield* laneFrameFrom("tech", tech.at(-1)!.seq + 1), undefined)
    }))
})
