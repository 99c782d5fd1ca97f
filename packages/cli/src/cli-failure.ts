import { Console, Effect, Runtime, Schema } from "effect"

/** A command failed and has said why on stderr; exit code 1, no stack trace. */
export class CliFailure extends Schema.TaggedError<CliFailure>()("CliFailure", { message: Schema.String }) {
  override readonly [Runtime.errorReported] = false
}

/** The record is not as sealed. Exit code 3 tells it apart from being unable to check (1). */
export class RecordNotIntact extends Schema.TaggedError<RecordNotIntact>()("RecordNotIntact", {
  seq: Schema.Int,
  kind: Schema.String
}) {
  override readonly [Runtime.errorExitCode] = 3
  // Already printed by the command, in words.
  override readonly [Runtime.errorReported] = false
}

const messageOf = (error: unknown) =>
  typeof error === "object" && error !== null && "message" in error && typeof error.message === "string" && error.message !== ""
    ? error.message
    : String(error)

/**
 * Runs a command's work so that any failure, including a connection that cannot be
 * opened, ends as one line `wt: …` on stderr and exit code 1.
 */
export const reportingFailures = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, CliFailure | RecordNotIntact, R> =>
  Effect.catch(self, (error): Effect.Effect<never, CliFailure | RecordNotIntact> =>
    error instanceof RecordNotIntact
      ? Effect.fail(error)
      : Console.error(`wt: ${messageOf(error)}`).pipe(Effect.andThen(Effect.fail(new CliFailure({ message: messageOf(error) }))))
  )
