import { Cause, Effect, Inspectable, Layer, Logger, References } from "effect"
import type { Config } from "effect"
import type pino from "pino"
import { logLevelConfig, toEffectLogLevel, toPinoLevel, type LogLevelName } from "./log-level.ts"
import { makePino } from "./pino.ts"

// Fields the bridge writes itself; an annotation with one of these names is kept beside it.
const ownFields = new Set(["level", "time", "msg", "pid", "hostname", "service", "fiber", "spans", "cause", "data"])

/**
 * An Effect `Logger` that writes each log event to `sink` as one pino record:
 * annotations as top-level fields, string message parts as `msg`, any other message parts
 * as `data` (so they go through redaction instead of being stringified into `msg`),
 * log spans as `spans: { label: elapsedMs }`, the pretty-printed cause and the fiber id.
 */
export const pinoLogger = (sink: pino.Logger): Logger.Logger<unknown, void> =>
  Logger.make(({ cause, date, fiber, logLevel, message }) => {
    const level = toPinoLevel(logLevel)
    if (level === undefined || !sink.isLevelEnabled(level)) return

    const record: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(fiber.getRef(References.CurrentLogAnnotations))) {
      record[ownFields.has(key) ? `annotation.${key}` : key] = Inspectable.toJson(value)
    }
    record.fiber = `#${fiber.id}`

    const spans = fiber.getRef(References.CurrentLogSpans)
    if (spans.length > 0) {
      const now = date.getTime()
      const elapsed: Record<string, number> = {}
      for (const [label, startedAt] of spans) elapsed[label] = now - startedAt
      record.spans = elapsed
    }

    if (cause.reasons.length > 0) record.cause = Cause.pretty(cause)

    const texts: Array<string> = []
    const data: Array<unknown> = []
    for (const part of Array.isArray(message) ? message : [message]) {
      if (typeof part === "string" || typeof part === "number" || typeof part === "boolean" || typeof part === "bigint") {
        texts.push(String(part))
      } else if (part !== undefined) {
        data.push(Inspectable.toJson(part))
      }
    }
    if (data.length > 0) record.data = data.length === 1 ? data[0] : data

    sink[level](record, texts.join(" "))
  })

/**
 * Replaces Effect's loggers with `sink` and sets Effect's minimum level to `level`, so
 * filtered logs cost nothing on the Effect side either.
 */
export const layerPino = (sink: pino.Logger, level: LogLevelName): Layer.Layer<never> =>
  Layer.mergeAll(
    // The tracer logger stays: it turns logs into span events when tracing is on.
    Logger.layer([pinoLogger(sink), Logger.tracerLogger]),
    Layer.succeed(References.MinimumLogLevel, toEffectLogLevel(level))
  )

/**
 * The service logger: pino on stdout (JSON lines, or pretty when stdout is a TTY), level
 * from `LOG_LEVEL` (default `info`). Pending lines are flushed when the layer is released.
 */
export const LoggerLive = (service: string): Layer.Layer<never, Config.ConfigError> =>
  Layer.unwrap(Effect.gen(function*() {
    const level = yield* logLevelConfig
    const sink = makePino({ service, level })
    yield* Effect.addFinalizer(() => flush(sink))
    return layerPino(sink, level)
  }))

/** Waits for buffered lines to reach the destination; gives up after a second so shutdown never hangs on it. */
export const flush = (sink: pino.Logger): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    sink.flush(() => resume(Effect.void))
  }).pipe(Effect.timeoutOrElse({ duration: "1 second", orElse: () => Effect.void }))
