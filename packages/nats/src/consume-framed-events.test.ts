import { assert, layer } from "@effect/vitest"
import { Effect, Fiber, Schedule } from "effect"
import { clientOf } from "./client.ts"
import { NatsConfig } from "./config.ts"
import { Nats } from "./connection.ts"
import { consumeFramedEvents } from "./consume-framed-events.ts"
import type { MessageMeta } from "./consume.ts"
import { Boom, deadLettersOn, Note } from "./consume-test-support.ts"
import { type DeviceFrame, encodeDeviceFrame, type FramedEvent } from "./device-frame.ts"
import type { FramedLane } from "./device-frame-writer.ts"
import { NatsRequestFailed } from "./errors.ts"
import { DeviceFramesStream, deviceFramesStreamSpec } from "./installation.ts"
import { publishRaw } from "./publish.ts"
import { ensureStream } from "./streams.ts"
import { NatsTestServer, until } from "./testing.ts"

const enc = (text: string) => new TextEncoder().encode(text)

let nextSeq = 1
/** A frame of the given bodies at made-up WT_DEVICE sequences, every event on one device's subject. */
const frameOf = (device: string, bodies: ReadonlyArray<string>): DeviceFrame => {
  const from = nextSeq
  const events = bodies.map((body): FramedEvent => ({ seq: nextSeq++, storedAtMs: 1_700_000_000_000 + nextSeq, subject: `wt.dev.t1.tech.technical.${device}`, data: enc(body) }))
  nextSeq += 3
  return { from, to: events.at(-1)!.seq, events }
}

const storeFrame = (lane: FramedLane, frame: DeviceFrame) => publishRaw(DeviceFramesStream.subject(lane), encodeDeviceFrame(frame), { msgId: `test-${frame.from}` })

const note = (n: number, text: string) => JSON.stringify({ n, text })

const consumerInfo = (durable: string) =>
  Nats.use((nats) => Effect.tryPromise(() => clientOf(nats).jsm.consumers.info(DeviceFramesStream.name, durable)))

/** The durable's info once it has been given something and has nothing pending or unacknowledged. */
const waitSettled = (durable: string) =>
  Effect.gen(function*() {
    for (let i = 0; i < 300; i++) {
      const read = yield* Effect.result(consumerInfo(durable))
      const info = read._tag === "Success" ? read.success : undefined
      if (info !== undefined && info.num_pending === 0 && info.num_ack_pending === 0 && info.delivered.stream_seq > 0) return info
      yield* Effect.sleep("50 millis")
    }
    return assert.fail(`${durable} never settled`)
  })

layer(NatsTestServer.layerNats, { excludeTestServices: true, timeout: 120_000 })("reading device frames event by event", (it) => {
  it.effect("each event goes to handleNow or the handler once, as its own message would (sequence, subject, time, bytes); the frame is acknowledged after", () =>
    Effect.gen(function*() {
      yield* ensureStream(deviceFramesStreamSpec(yield* NatsConfig))
      const frame = frameOf("dev-a", Array.from({ length: 10 }, (_, n) => note(n, "first")))
      const now: Array<number> = []
      const handled: Array<{ n: number; meta: MessageMeta }> = []
      const fiber = yield* Effect.forkChild(consumeFramedEvents({
        lane: "tech",
        durable: "framed-first",
        source: "triage",
        schema: Note,
        concurrency: 4,
        handleNow: (value) => value.text === "first" && value.n % 2 === 0 && now.push(value.n) > 0,
        handler: (value, meta) => Effect.sync(() => void (value.text === "first" && handled.push({ n: value.n, meta })))
      }))
      yield* storeFrame("tech", frame)
      yield* until(() => now.length + handled.length >= 10, "every event handled")
      const info = yield* waitSettled("framed-first")
      assert.strictEqual(info.delivered.stream_seq, info.ack_floor.stream_seq)
      assert.deepStrictEqual(now.sort((a, b) => a - b), [0, 2, 4, 6, 8])
      assert.deepStrictEqual(handled.map((h) => h.n).sort((a, b) => a - b), [1, 3, 5, 7, 9])
      for (const { n, meta } of handled) {
        const event = frame.events[n]!
        assert.deepStrictEqual(
          { seq: meta.streamSeq, subject: meta.subject, storedAtMs: meta.storedAtMs, raw: [...meta.raw], deliveries: meta.deliveries },
          { seq: event.seq, subject: event.subject, storedAtMs: event.storedAtMs, raw: [...event.data], deliveries: 1 }
        )
      }
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("an event that is no event, or keeps failing, is dead-lettered alone with its bytes; the frame's others are handled and it is acknowledged", () =>
    Effect.gen(function*() {
      const frame = frameOf("dev-b", [note(1, "second"), `{"n":2,`, note(3, "second"), note(4, "second")])
      const attempts = new Map<number, number>()
      const fiber = yield* Effect.forkChild(consumeFramedEvents({
        lane: "telemetry",
        durable: "framed-second",
        source: "triage",
        schema: Note,
        concurrency: 4,
        handler: (value) =>
          Effect.suspend(() => {
            attempts.set(value.n, (attempts.get(value.n) ?? 0) + 1)
            return value.n === 3 ? Effect.fail(new Boom({ message: "a bad event" })) : Effect.void
          })
      }))
      yield* storeFrame("telemetry", frame)
      yield* waitSettled("framed-second")
      assert.deepStrictEqual(Object.fromEntries(attempts), { 1: 1, 3: 3, 4: 1 })
      const letters = yield* deadLettersOn("wt.dev.t1.tech.technical.dev-b")
      const bySeq = new Map(letters.map((l) => [l.streamSeq, l]))
      assert.strictEqual(letters.length, 2)
      assert.match(bySeq.get(frame.events[1]!.seq)!.reason, /invalid JSON/)
      assert.deepStrictEqual([...Buffer.from(bySeq.get(frame.events[1]!.seq)!.rawBase64, "base64")], [...enc(`{"n":2,`)])
      assert.match(bySeq.get(frame.events[2]!.seq)!.reason, /failed 3 times: Boom: a bad event/)
      assert.deepStrictEqual([...Buffer.from(bySeq.get(frame.events[2]!.seq)!.rawBase64, "base64")], [...frame.events[2]!.data])
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("a failure because NATS was away hands the whole frame back: its events come again, as the next delivery, until they pass", () =>
    Effect.gen(function*() {
      const frame = frameOf("dev-c", [note(1, "third"), note(2, "third")])
      const seen: Array<{ n: number; deliveries: number }> = []
      let away = true
      const fiber = yield* Effect.forkChild(consumeFramedEvents({
        lane: "tech",
        durable: "framed-third",
        source: "triage",
        schema: Note,
        concurrency: 1,
        deliverPolicy: "new",
        handler: (value, meta) =>
          Effect.suspend(() => {
            if (value.text !== "third") return Effect.void
            seen.push({ n: value.n, deliveries: meta.deliveries })
            if (value.n === 2 && away) {
              away = false
              return Effect.fail(new NatsRequestFailed({ operation: "test", message: "NATS away" }))
            }
            return Effect.void
          })
      }))
      // The durable exists before the frame is stored ("new": the earlier tests' frames are not its).
      yield* Effect.ignore(Effect.retry(consumerInfo("framed-third"), { times: 50, schedule: Schedule.spaced("50 millis") }))
      yield* storeFrame("tech", frame)
      yield* until(() => seen.length >= 4, "both events twice")
      yield* waitSettled("framed-third")
      assert.deepStrictEqual(seen, [{ n: 1, deliveries: 1 }, { n: 2, deliveries: 1 }, { n: 1, deliveries: 2 }, { n: 2, deliveries: 2 }])
      assert.deepStrictEqual(yield* deadLettersOn("wt.dev.t1.tech.technical.dev-c"), [])
      yield* Fiber.interrupt(fiber)
    }))
})
