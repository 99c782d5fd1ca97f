import { NodeRuntime } from "@effect/platform-node"
import { Cause, Effect, Exit, Layer } from "effect"
import type { Config } from "effect"
import { LoggerLive } from "@wt/observability"

/**
 * The service's whole life as one effect: build `layer` (its finalizers are the shutdown
 * sequence), run until interrupted, log each phase through the pino logger.
 */
export const serviceProgram = <A, E>(
  name: string,
  layer: Layer.Layer<A, E>
): Effect.Effect<never, E | Config.ConfigError> =>
  Effect.scoped(Effect.gen(function*() {
    yield* Layer.build(layer)
    yield* Effect.logInfo("service started")
    return yield* Effect.never
  }).pipe(
    // Said as the stop reaches the service, wherever it is, and before its scope (the layer's
    // finalizers) closes. A finalizer added after the build was once logged after the
    // others, after "service stopped" even (CI, under load).
    Effect.onInterrupt(() => Effect.logInfo("service stopping"))
  )).pipe(
    Effect.tapCause((cause) =>
      Cause.hasInterruptsOnly(cause) ? Effect.void : Effect.logError("service failed", cause)
    ),
    Effect.ensuring(Effect.logInfo("service stopped")),
    Effect.provide(LoggerLive(name).pipe(
      // Without a logger there is nowhere else to say why the service did not start.
      Layer.tapError((error) => Effect.sync(() => console.error(`${name}: ${error.message}`)))
    ))
  )

/**
 * Runs a long-running service layer as the process main. SIGTERM/SIGINT interrupt it,
 * finalizers run, and the process exits 0; a failure exits 1 after being logged.
 */
export const runService = <A, E>(name: string, layer: Layer.Layer<A, E>): void =>
  NodeRuntime.runMain(serviceProgram(name, layer), {
    // Already logged through pino above; the default reporter would log it again, unformatted.
    disableErrorReporting: true,
    // A signal-driven stop is the normal way a service ends, not an error (the default says 130).
    teardown: stoppedBySignalIsSuccess
  })

/** Exit code 0 when a signal stopped the program (the normal end of a long-running process), 1 on failure. */
export const stoppedBySignalIsSuccess = (exit: Exit.Exit<unknown, unknown>, onExit: (code: number) => void): void =>
  onExit(Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause) ? 0 : 1)
