import type { MsgHdrs } from "@nats-io/transport-node"
import { Effect, type Fiber, Tracer } from "effect"

/**
 * W3C Trace Context carried in NATS headers (`traceparent`), so one alarm is one trace from
 * the gateway's request through triage to the projector, console, dispatch and audit.
 *
 * Nothing here runs unless a service installed an exporting tracer (`TracingLive` in
 * `@wt/observability`, on when `OTEL_EXPORTER_OTLP_ENDPOINT` is set): with Effect's native
 * tracer nobody could see the trace, so a publish sets no header and a consumer opens no span.
 */
export const TraceparentHeader = "traceparent"

/** What a `traceparent` names: the trace, the span that sent the message, whether it was sampled. */
export interface TraceParent {
  readonly traceId: string
  readonly spanId: string
  readonly sampled: boolean
}

const TraceId = /^[0-9a-f]{32}$/
const SpanId = /^[0-9a-f]{16}$/
const Flags = /^[0-9a-f]{2}$/
const ZeroTrace = "0".repeat(32)
const ZeroSpan = "0".repeat(16)

/** `00-<trace id>-<span id>-<flags>`, version 00 of the W3C format. */
export const formatTraceparent = (parent: TraceParent): string =>
  `00-${parent.traceId.padStart(32, "0")}-${parent.spanId}-${parent.sampled ? "01" : "00"}`

/**
 * Reads a `traceparent` value; anything that is not a valid version-00 header (wrong lengths,
 * upper case, the all-zero ids the format forbids) is no parent at all, so a malformed header
 * from outside starts a new trace instead of failing the message.
 */
export const parseTraceparent = (value: string | undefined): TraceParent | undefined => {
  if (value === undefined || value.length !== 55) return undefined
  const [version, traceId, spanId, flags] = value.split("-")
  if (version !== "00" || traceId === undefined || spanId === undefined || flags === undefined) return undefined
  if (!TraceId.test(traceId) || !SpanId.test(spanId) || !Flags.test(flags)) return undefined
  if (traceId === ZeroTrace || spanId === ZeroSpan) return undefined
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 }
}

/**
 * Whether this fiber's spans go anywhere: Effect's documented test is the active tracer
 * against `nativeTracer`, which keeps its spans in memory only.
 */
export const tracingExported = (fiber: Fiber.Fiber<unknown, unknown>): boolean =>
  fiber.getRef(Tracer.Tracer) !== Tracer.nativeTracer

/** The parent a delivered message names in its headers, as Effect's external span; undefined when none. */
export const parentFromHeaders = (headers: MsgHdrs | undefined): Tracer.ExternalSpan | undefined => {
  const parent = parseTraceparent(headers?.get(TraceparentHeader) || undefined)
  return parent === undefined ? undefined : Tracer.externalSpan(parent)
}

/** Span attributes of a message taken from a stream; no subject, as it names tenants, devices and incidents. */
export const deliveryAttributes = (stream: string, consumer: string, streamSeq: number): Record<string, unknown> => ({
  "messaging.system": "nats",
  "messaging.operation.type": "process",
  "messaging.destination.name": stream,
  "messaging.consumer.group.name": consumer,
  "messaging.nats.stream_sequence": streamSeq
})

/** The span options of handling one delivered message: a consumer span whose parent is the sender's span, if it named one. */
export const deliverySpanOptions = (
  headers: MsgHdrs | undefined,
  attributes: Record<string, unknown>
): Tracer.SpanOptionsNoTrace => {
  const parent = parentFromHeaders(headers)
  return parent === undefined ? { kind: "consumer", attributes, root: true } : { kind: "consumer", attributes, parent }
}

/** {@link tracingExported} of the current fiber, for code that decides once (a consumer at its start). */
export const tracingExportedNow: Effect.Effect<boolean> = Effect.withFiber((fiber) => Effect.succeed(tracingExported(fiber)))
