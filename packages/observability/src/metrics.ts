import { Context, Effect, Metric } from "effect"
import { PrometheusMetrics } from "effect/observability"

/**
 * Latency buckets in milliseconds, 1 ms … 30 s: fine where an alarm must be fast
 * (ingest → operator screen is a few ms), coarse where only "too slow" matters.
 */
export const latencyBucketsMs: ReadonlyArray<number> = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000]

/** A histogram of durations in milliseconds, bucketed by `latencyBucketsMs`. */
export const latencyHistogram = (name: string, options?: {
  readonly description?: string | undefined
  readonly attributes?: Metric.Metric.Attributes | undefined
}): Metric.Histogram<number> =>
  Metric.histogram(name, {
    description: options?.description,
    attributes: options?.attributes,
    boundaries: Metric.boundariesFromIterable(latencyBucketsMs)
  })

/** A counter that only goes up; Prometheus convention wants the name to end in `_total`. */
export const totalCounter = (name: string, options?: {
  readonly description?: string | undefined
  readonly attributes?: Metric.Metric.Attributes | undefined
}): Metric.Counter<number> =>
  Metric.counter(name, { description: options?.description, attributes: options?.attributes, incremental: true })

/**
 * A metric's series by attribute set, each made once. `Metric.withAttributes` returns a new metric
 * whose series key (attributes sorted and JSON-encoded) is computed again when it is first updated:
 * made afresh for every device event, that showed in triage's CPU profile.
 */
export const seriesOf = <Input, State>(metric: Metric.Metric<Input, State>) => {
  const made = new Map<string, Metric.Metric<Input, State>>()
  return (attributes: Readonly<Record<string, string>>): Metric.Metric<Input, State> => {
    let key = ""
    for (const name in attributes) key += `${name}=${attributes[name]}\u0000`
    let series = made.get(key)
    if (series === undefined) {
      series = Metric.withAttributes(metric, attributes)
      made.set(key, series)
    }
    return series
  }
}

/** Records how long `self` took in `histogram` (milliseconds), whether it succeeded or not. */
export const withLatency = (histogram: Metric.Histogram<number>) =>
<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.suspend(() => {
    const startedAt = performance.now()
    return Effect.onExit(self, () => Metric.update(histogram, performance.now() - startedAt))
  })

const residentMemory = Metric.gauge("process_resident_memory_bytes", { description: "Resident set size in bytes" })
const heapUsed = Metric.gauge("nodejs_heap_used_bytes", { description: "V8 heap in use, bytes" })
// Resident memory beyond the heap in use: what V8 holds for the heap but is not using, and
// buffers outside it (message payloads). Without them a high RSS cannot be told apart.
const heapTotal = Metric.gauge("nodejs_heap_total_bytes", { description: "V8 heap committed, bytes" })
const external = Metric.gauge("nodejs_external_memory_bytes", { description: "Memory of objects outside the V8 heap (buffers), bytes" })
const uptime = Metric.gauge("process_uptime_seconds", { description: "Seconds since the process started" })

const sampleProcess = Effect.suspend(() => {
  const memory = process.memoryUsage()
  return Effect.all([
    Metric.update(residentMemory, memory.rss),
    Metric.update(heapUsed, memory.heapUsed),
    Metric.update(heapTotal, memory.heapTotal),
    Metric.update(external, memory.external),
    Metric.update(uptime, process.uptime())
  ], { discard: true })
})

const processFamilies: ReadonlySet<string> = new Set([residentMemory, heapUsed, heapTotal, external, uptime].map((gauge) => gauge.id))

/**
 * Every metric in the registry, plus fresh process gauges, in Prometheus text format 0.0.4; with
 * `families`, only the metrics of those names (a histogram's also by its samples' names, `_bucket`...). A whole rendering costs a busy service about 2 ms:
 * a poller that wants one family (the benchmark asks consumers' progress five times a second)
 * should not pay for all of them, nor have that counted as the service's work.
 */
export const renderPrometheus = (options?: PrometheusMetrics.FormatOptions & { readonly families?: ReadonlyArray<string> }): Effect.Effect<string> => {
  const { families, ...format } = options ?? {}
  if (families === undefined || families.length === 0) return Effect.andThen(sampleProcess, PrometheusMetrics.format(format))
  // A histogram's samples are named `<family>_bucket`, `_sum` and `_count`: asked by a sample's name, its family answers.
  const wanted = new Set(families.flatMap((name) => [name, name.replace(/_(bucket|sum|count)$/, "")]))
  const sampled = families.some((name) => processFamilies.has(name)) ? sampleProcess : Effect.void
  return Effect.andThen(sampled, Effect.map(Effect.context<never>(), (context) => {
    const only: Metric.MetricRegistry = new Map()
    for (const [key, metadata] of Context.get(context, Metric.MetricRegistry)) if (wanted.has(metadata.id)) only.set(key, metadata)
    return PrometheusMetrics.formatUnsafe(Context.add(context, Metric.MetricRegistry, only), format)
  }))
}

export const prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"
