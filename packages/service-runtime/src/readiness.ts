import { Effect, Exit } from "effect"
import type { Duration } from "effect"

/** One dependency the service needs before it can take traffic (NATS connected, schema migrated …). */
export interface ReadinessCheck<R = never> {
  readonly name: string
  /** `true` when ready. A failure, defect or timeout counts as not ready. */
  readonly check: Effect.Effect<boolean, unknown, R>
}

export interface Readiness {
  readonly ready: boolean
  readonly checks: Readonly<Record<string, boolean>>
  readonly failing: ReadonlyArray<string>
}

/**
 * Runs every check concurrently, each bounded by `timeout`, so a hung dependency makes
 * the service unready instead of making the probe itself hang.
 */
export const evaluateReadiness = Effect.fn("Readiness.evaluate")(function*<R>(
  checks: ReadonlyArray<ReadinessCheck<R>>,
  timeout: Duration.Input = "1 second"
) {
  const results = yield* Effect.forEach(checks, ({ check, name }) =>
    check.pipe(
      Effect.timeoutOrElse({ duration: timeout, orElse: () => Effect.succeed(false) }),
      Effect.exit,
      Effect.map((exit) => [name, Exit.isSuccess(exit) && exit.value === true] as const)
    ), { concurrency: "unbounded" })
  const failing = results.filter(([, ok]) => !ok).map(([name]) => name)
  const readiness: Readiness = { ready: failing.length === 0, checks: Object.fromEntries(results), failing }
  return readiness
})
