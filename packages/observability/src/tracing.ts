import { Cause, Config, Effect, Layer, Logger, Option, References, Schema } from "effect"
import { FetchHttpClient } from "effect/http"
import { OtlpSerialization, OtlpTracer } from "effect/observability"
import { redact } from "./redaction.ts"

/**
 * Where a service sends its traces, read from the standard OpenTelemetry variables. Tracing is
 * off unless an endpoint is set (`OTEL_EXPORTER_OTLP_ENDPOINT` or `…_TRACES_ENDPOINT`), and
 * then on unless `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER` names no `otlp`.
 */
export type TracingSettings =
  | { readonly _tag: "Off" }
  | {
    readonly _tag: "Otlp"
    /** The traces URL itself (`…/v1/traces`). */
    readonly url: string
    readonly protocol: "http/protobuf" | "http/json"
    readonly serviceName: string
    readonly headers: Readonly<Record<string, string>>
    readonly compression: "gzip" | "none"
    readonly exportIntervalMs: number
    readonly maxBatchSize: number
  }

const Protocol = Schema.Literals(["http/protobuf", "http/json"])

/** `k1=v1,k2=v2`, values URL-encoded as the OpenTelemetry specification writes them. */
const headerList = (text: string): Record<string, string> => {
  const headers: Record<string, string> = {}
  for (const pair of text.split(",")) {
    const at = pair.indexOf("=")
    if (at <= 0) continue
    headers[pair.slice(0, at).trim().toLowerCase()] = decodeURIComponent(pair.slice(at + 1).trim())
  }
  return headers
}

const tracesUrl = (base: string): string => {
  const url = new URL(base)
  url.pathname = `${url.pathname.replace(/\/+$/u, "")}/v1/traces`
  return url.toString()
}

/** A URL, or none when unset or empty (a compose file passes `${OTEL_EXPORTER_OTLP_ENDPOINT:-}` on as ""). */
const optionalUrl = (name: string): Config.Config<Option.Option<URL>> =>
  Config.schema(Schema.Union([Schema.Literal(""), Schema.URLFromString]), name).pipe(
    Config.withDefault("" as const),
    Config.map((value) => (value === "" ? Option.none() : Option.some(value)))
  )

/** The settings of a service named `service`, from the environment; a malformed value fails the start with its reason. */
export const tracingSettingsConfig = (service: string): Config.Config<TracingSettings> =>
  Config.all({
    disabled: Config.Boolean("OTEL_SDK_DISABLED").pipe(Config.withDefault(false)),
    exporters: Config.String("OTEL_TRACES_EXPORTER").pipe(Config.withDefault("otlp")),
    tracesEndpoint: optionalUrl("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
    endpoint: optionalUrl("OTEL_EXPORTER_OTLP_ENDPOINT"),
    protocol: Config.schema(Protocol, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL").pipe(
      Config.orElse(() => Config.schema(Protocol, "OTEL_EXPORTER_OTLP_PROTOCOL")),
      Config.withDefault("http/protobuf" as const)
    ),
    serviceName: Config.String("OTEL_SERVICE_NAME").pipe(Config.withDefault(service)),
    headers: Config.String("OTEL_EXPORTER_OTLP_TRACES_HEADERS").pipe(
      Config.orElse(() => Config.String("OTEL_EXPORTER_OTLP_HEADERS")),
      Config.withDefault("")
    ),
    compression: Config.Literals(["gzip", "none"], "OTEL_EXPORTER_OTLP_COMPRESSION").pipe(Config.withDefault("none" as const)),
    // The OpenTelemetry defaults for a batch span processor: every 5 s, at most 512 spans a request.
    exportIntervalMs: Config.Int("OTEL_BSP_SCHEDULE_DELAY").pipe(Config.withDefault(5_000)),
    maxBatchSize: Config.Int("OTEL_BSP_MAX_EXPORT_BATCH_SIZE").pipe(Config.withDefault(512))
  }).pipe(
    Config.map((c): TracingSettings => {
      const exporters = c.exporters.split(",").map((e) => e.trim().toLowerCase())
      const url = Option.isSome(c.tracesEndpoint)
        ? c.tracesEndpoint.value.toString()
        : Option.isSome(c.endpoint)
        ? tracesUrl(c.endpoint.value.toString())
        : undefined
      if (c.disabled || !exporters.includes("otlp") || url === undefined) return { _tag: "Off" }
      return {
        _tag: "Otlp",
        url,
        protocol: c.protocol,
        serviceName: c.serviceName,
        headers: headerList(c.headers),
        compression: c.compression,
        exportIntervalMs: Math.max(0, c.exportIntervalMs),
        maxBatchSize: Math.max(1, c.maxBatchSize)
      }
    })
  )

/**
 * Logs inside a span become span events (Effect's own `tracerLogger` does that), but its events
 * carry annotations and message parts as they are. A trace leaves the machine like a log does,
 * so the same rule holds: values under personal or health keys are censored (`redact`), and
 * non-text message parts go to a `log.data` attribute, censored, never into the event's name.
 */
export const redactedSpanEvents: Logger.Logger<unknown, void> = Logger.make(({ cause, date, fiber, logLevel, message }) => {
  const span = fiber.cache.span
  if (span === undefined || span._tag === "ExternalSpan" || span.status._tag === "Ended") return
  const attributes: Record<string, unknown> = {}
  const annotations = redact(fiber.getRef(References.CurrentLogAnnotations)) as Record<string, unknown>
  for (const key in annotations) attributes[key] = annotations[key]
  attributes["effect.logLevel"] = logLevel.toUpperCase()
  if (cause.reasons.length > 0) attributes["effect.cause"] = Cause.pretty(cause)
  const texts: Array<string> = []
  const data: Array<unknown> = []
  for (const part of Array.isArray(message) ? message : [message]) {
    if (typeof part === "string" || typeof part === "number" || typeof part === "boolean" || typeof part === "bigint") texts.push(String(part))
    else if (part !== undefined) data.push(part)
  }
  if (data.length > 0) attributes["log.data"] = JSON.stringify(redact(data.length === 1 ? data[0] : data))
  span.event(texts.join(" "), BigInt(date.getTime()) * 1_000_000n, attributes)
})

/** The loggers in force, with Effect's span-event logger swapped for {@link redactedSpanEvents}. */
const RedactedSpanEventsLayer = Layer.effect(
  Logger.CurrentLoggers,
  Effect.withFiber((fiber) => {
    const loggers = new Set(fiber.getRef(Logger.CurrentLoggers))
    loggers.delete(Logger.tracerLogger)
    loggers.add(redactedSpanEvents)
    return Effect.succeed(loggers as ReadonlySet<Logger.Logger<unknown, unknown>>)
  })
)

const otlpLayer = (settings: Extract<TracingSettings, { _tag: "Otlp" }>) =>
  OtlpTracer.layer({
    url: settings.url,
    resource: {
      serviceName: settings.serviceName,
      attributes: { "service.namespace": "wt", "service.instance.id": `${process.pid}` }
    },
    headers: settings.headers,
    compression: settings.compression,
    exportInterval: settings.exportIntervalMs,
    maxBatchSize: settings.maxBatchSize
  }).pipe(
    Layer.provide(settings.protocol === "http/json" ? OtlpSerialization.layerJson : OtlpSerialization.layerProtobuf),
    Layer.provide(FetchHttpClient.layer)
  )

/**
 * The tracing of a service process: with an OTLP endpoint configured, every span (`Effect.fn`,
 * HTTP requests, NATS publishes and deliveries) is exported in batches, and `@wt/nats` carries
 * the trace context in message headers from service to service; with none, nothing changes
 * (Effect's native tracer, no export, no headers). Provide it under the service's layer, so
 * everything the service runs sees the tracer; the layer's end flushes what is buffered.
 */
export const TracingLive = (service: string): Layer.Layer<never, Config.ConfigError> =>
  Layer.unwrap(Effect.gen(function*() {
    const settings = yield* tracingSettingsConfig(service)
    if (settings._tag === "Off") return Layer.empty
    yield* Effect.logInfo("traces exported over OTLP").pipe(
      Effect.annotateLogs({ endpoint: new URL(settings.url).origin, protocol: settings.protocol, serviceName: settings.serviceName })
    )
    return Layer.mergeAll(otlpLayer(settings), RedactedSpanEventsLayer)
  }))
