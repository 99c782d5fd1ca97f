import { Context, Effect, Layer, Metric, Schedule } from "effect"
import { floodFigures, inFlood } from "@wt/read-models"

const rate = Metric.gauge("wt_flood_rate", { description: "Alarms in the last 10 minutes per operator on duty (ISA-18.2)" })
const flood = Metric.gauge("wt_flood_active", { description: "1 while a tenant is in alarm flood (over 10 per 10 min per operator, until below 5)" })
const onDuty = Metric.gauge("wt_operators_on_duty", { description: "Operators with a live session" })

/**
 * Every 10 s, the flood rate per tenant as metrics, for alerting, and the flood state with its
 * hysteresis (a flood ends only below 5), which a single reading cannot tell, for the supervisor overview.
 */
export class FloodWatch extends Context.Service<FloodWatch, {
  /** Whether the tenant is in flood, given its current rate. */
  readonly inFlood: (tenant: string, rate: number) => boolean
}>()("wt/console/FloodWatch") {
  static readonly layer = Layer.effect(
    FloodWatch,
    Effect.gen(function*() {
      const flooding = new Map<string, boolean>()
      const measure = Effect.gen(function*() {
        for (const f of yield* floodFigures()) {
          const now = inFlood(flooding.get(f.tenant) ?? false, f.rate)
          flooding.set(f.tenant, now)
          yield* Metric.update(Metric.withAttributes(rate, { tenant: f.tenant }), f.rate)
          yield* Metric.update(Metric.withAttributes(flood, { tenant: f.tenant }), now ? 1 : 0)
          yield* Metric.update(Metric.withAttributes(onDuty, { tenant: f.tenant }), f.operatorsOnDuty)
        }
      }).pipe(Effect.catch((e) => Effect.logWarning("flood figures unavailable", e)))
      yield* Effect.forkScoped(Effect.repeat(measure, Schedule.spaced("10 seconds")))
      return FloodWatch.of({ inFlood: (tenant, current) => inFlood(flooding.get(tenant) ?? false, current) })
    })
  )
}
