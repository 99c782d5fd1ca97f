import { assert, describe, it, layer } from "@effect/vitest"
import { Streams, Subjects } from "@wt/contracts"
import { Effect, Fiber, Option, Schema, Tracer } from "effect"
import * as fc from "fast-check"
import { clientOf } from "./client.ts"
import { Nats } from "./connection.ts"
import { consume } from "./consume.ts"
import { follow } from "./follow.ts"
import { publishRaw } from "./publish.ts"
import { NatsTestServer, until } from "./testing.ts"
import { formatTraceparent, parseTraceparent, TraceparentHeader } from "./trace-context.ts"

const hex = (length: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`))
const parents = fc.record({
  traceId: hex(32).filter((id) => id !== "0".repeat(32)),
  spanId: hex(16).filter((id) => id !== "0".repeat(16)),
  sampled: fc.boolean()
})

describe("traceparent", () => {
  it("reads back what it wrote, for any valid trace and span ids", () => {
    fc.assert(fc.property(parents, (parent) => {
      assert.deepStrictEqual(parseTraceparent(formatTraceparent(parent)), parent)
    }))
  })

  it("takes no parent from a malformed header", () => {
    const valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    assert.deepStrictEqual(parseTraceparent(valid), { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", sampled: true })
    for (
      const bad of [
        undefined,
        "",
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", // a version we do not know
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01", // upper case
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01", // all-zero trace
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", // all-zero span
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", // short trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x"
      ]
    ) assert.isUndefined(parseTraceparent(bad), String(bad))
  })

  it("never throws on arbitrary text", () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), (text) => {
      const parsed = parseTraceparent(text)
      if (parsed !== undefined) assert.strictEqual(formatTraceparent(parsed), text)
    }))
  })
})

/** A tracer that keeps its spans, as an exporter would see them: anything but the native tracer turns propagation on. */
const recordingTracer = () => {
  const spans: Array<Tracer.NativeSpan> = []
  const tracer = Tracer.make({
    span: (options) => {
      const span = new Tracer.NativeSpan(options)
      spans.push(span)
      return span
    }
  })
  return { spans, tracer }
}

const Note = Schema.Struct({ n: Schema.Number })
const bytesOf = (n: number) => new TextEncoder().encode(JSON.stringify({ n }))

const headerOf = (subject: string) =>
  Nats.use((nats) => Effect.tryPromise(() => clientOf(nats).jsm.streams.getMessage(Streams.device, { last_by_subj: subject }))).pipe(
    Effect.map((stored) => Option.fromNullishOr(stored?.header.get(TraceparentHeader) || undefined))
  )

layer(NatsTestServer.layerNats, { excludeTestServices: true })("trace context over NATS", (it) => {
  it.effect("without an exporting tracer a publish carries no traceparent", () =>
    Effect.gen(function*() {
      const subject = Subjects.device("t1", "alarm", "safety_alarm", "trace-off")
      yield* publishRaw(subject, bytesOf(1), { msgId: "trace-off-1" }).pipe(Effect.withSpan("Test.send"))
      assert.isTrue(Option.isNone(yield* headerOf(subject)))
    }))

  it.effect("with one, the publish is a producer span named in the header, and the consumer's span continues its trace", () =>
    Effect.gen(function*() {
      const { spans, tracer } = recordingTracer()
      const subject = Subjects.device("t2", "alarm", "safety_alarm", "trace-on")
      const handled: Array<{ traceId: string; parentSpanId: string | undefined }> = []
      const consumer = yield* Effect.forkChild(consume({
        stream: Streams.device,
        durable: "trace-test",
        filterSubject: subject,
        schema: Note,
        source: "triage",
        handler: () =>
          Effect.flatMap(Effect.currentSpan, (span) =>
            Effect.sync(() => {
              handled.push({ traceId: span.traceId, parentSpanId: Option.getOrUndefined(span.parent)?.spanId })
            })).pipe(Effect.orDie)
      }).pipe(Effect.withTracer(tracer)))

      yield* publishRaw(subject, bytesOf(2), { msgId: "trace-on-1" }).pipe(Effect.withSpan("Test.send"), Effect.withTracer(tracer))
      const header = yield* headerOf(subject)
      assert.isTrue(Option.isSome(header))
      const sent = parseTraceparent(Option.getOrUndefined(header))
      const send = spans.find((s) => s.name === "Test.send")!
      const publish = spans.find((s) => s.name === "Nats.publish")!
      assert.strictEqual(publish.kind, "producer")
      assert.strictEqual(Option.getOrUndefined(publish.parent)?.spanId, send.spanId)
      assert.deepStrictEqual(sent, { traceId: send.traceId, spanId: publish.spanId, sampled: true })

      yield* until(() => handled.length > 0, "the consumer to handle the message")
      assert.deepStrictEqual(handled[0], { traceId: send.traceId, parentSpanId: publish.spanId })
      const delivery = spans.find((s) => s.name === "Nats.consume WT_DEVICE/trace-test")!
      assert.strictEqual(delivery.kind, "consumer")
      assert.strictEqual(delivery.attributes.get("messaging.destination.name"), Streams.device)
      yield* Fiber.interrupt(consumer)
    }))

  it.effect("an ordered reader's handler continues the trace too; a message without a header starts a trace of its own", () =>
    Effect.gen(function*() {
      const { spans, tracer } = recordingTracer()
      const subject = Subjects.device("t3", "alarm", "safety_alarm", "trace-follow")
      yield* publishRaw(subject, bytesOf(1), { msgId: "trace-follow-plain" })
      yield* publishRaw(subject, bytesOf(2), { msgId: "trace-follow-traced" }).pipe(Effect.withSpan("Test.send"), Effect.withTracer(tracer))
      const seen: Array<{ n: number; traceId: string; parentSpanId: string | undefined }> = []
      const reader = yield* Effect.forkChild(follow({
        stream: Streams.device,
        filterSubject: subject,
        schema: Note,
        handler: (note) =>
          Effect.flatMap(Effect.currentSpan, (span) =>
            Effect.sync(() => {
              seen.push({ n: note.n, traceId: span.traceId, parentSpanId: Option.getOrUndefined(span.parent)?.spanId })
            })).pipe(Effect.orDie)
      }).pipe(Effect.withTracer(tracer)))
      yield* until(() => seen.length >= 2, "the reader to read both messages")
      yield* Fiber.interrupt(reader)
      const send = spans.find((s) => s.name === "Test.send")!
      const publish = spans.filter((s) => s.name === "Nats.publish").at(-1)!
      const [plain, traced] = seen
      assert.strictEqual(traced?.traceId, send.traceId)
      assert.strictEqual(traced?.parentSpanId, publish.spanId)
      assert.notStrictEqual(plain?.traceId, send.traceId)
      assert.isUndefined(plain?.parentSpanId)
    }))
})
