import { type AnchorRecord, anchorLine } from "@wt/audit-chain"
import { Config, Duration, Effect, Metric, Option, Queue, Schema } from "effect"
import { spawn } from "node:child_process"

/** The anchor command failed: a non-zero exit, a timeout, or it could not be started. */
export class AnchorCommandFailed extends Schema.TaggedError<AnchorCommandFailed>()("AnchorCommandFailed", {
  message: Schema.String
}) {}

export interface AnchorCommandSettings {
  /** `WT_AUDIT_ANCHOR_COMMAND`: a shell command given each anchor as one JSON line on stdin. */
  readonly command: string
  /** `WT_AUDIT_ANCHOR_COMMAND_TIMEOUT`, default 10 s: a run that takes longer is killed and counts as failed. */
  readonly timeoutMs: number
}

export const anchorCommandConfig = Config.all({
  command: Config.option(Config.String("WT_AUDIT_ANCHOR_COMMAND")),
  timeoutMs: Config.Duration("WT_AUDIT_ANCHOR_COMMAND_TIMEOUT").pipe(Config.map(Duration.toMillis), Config.withDefault(10_000))
}).pipe(
  Config.map(({ command, timeoutMs }): Option.Option<AnchorCommandSettings> =>
    Option.map(Option.filter(command, (c) => c.trim() !== ""), (c) => ({ command: c, timeoutMs })))
)

const lastLines = (text: string) => text.trim().split("\n").slice(-3).join(" | ").slice(0, 500)

/**
 * Runs the command once with `record` on stdin (through `sh -c`, so it may be a pipeline,
 * e.g. a timestamping client or a copy to write-once storage).
 */
export const runAnchorCommand = (settings: AnchorCommandSettings, record: AnchorRecord) =>
  Effect.callback<void, AnchorCommandFailed>((resume) => {
    // A process group of its own, so a timeout kills the whole pipeline, not just the shell.
    const child = spawn("sh", ["-c", settings.command], { stdio: ["pipe", "ignore", "pipe"], detached: true })
    const kill = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL")
      } catch {
        // Already gone.
      }
    }
    let stderr = ""
    let settled = false
    const settle = (effect: Effect.Effect<void, AnchorCommandFailed>) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resume(effect)
    }
    const timer = setTimeout(() => {
      kill()
      settle(Effect.fail(new AnchorCommandFailed({ message: `did not finish within ${settings.timeoutMs} ms; killed` })))
    }, settings.timeoutMs)
    child.stderr.on("data", (chunk: Buffer) => {
      if (stderr.length < 8192) stderr += chunk.toString("utf8")
    })
    child.on("error", (error) => settle(Effect.fail(new AnchorCommandFailed({ message: `cannot start: ${error.message}` }))))
    child.on("close", (code, signal) =>
      settle(
        code === 0
          ? Effect.void
          : Effect.fail(new AnchorCommandFailed({ message: `exited with ${code ?? signal}${stderr === "" ? "" : `: ${lastLines(stderr)}`}` }))
      ))
    // A command that does not read its input must not fail the write.
    child.stdin.on("error", () => undefined)
    child.stdin.end(anchorLine(record))
    return Effect.sync(() => {
      clearTimeout(timer)
      kill()
    })
  })

const anchorCommandRuns = Metric.counter("wt_audit_anchor_command_runs_total", { description: "Runs of WT_AUDIT_ANCHOR_COMMAND, by outcome", incremental: true })
const commandSucceeded = Metric.withAttributes(anchorCommandRuns, { outcome: "ok" })
export const anchorCommandFailed = Metric.withAttributes(anchorCommandRuns, { outcome: "failed" })

/** Hands anchors to the external store; never makes the sealer wait. */
export interface AnchorHook {
  readonly offer: (record: AnchorRecord) => Effect.Effect<void>
}

/**
 * Runs the anchor command in the background, one run at a time, for the current scope.
 * An anchor that arrives while a run is going waits; a newer one replaces it, since each
 * anchor names the newest seal and the chain links every earlier one. So a slow or broken
 * store costs the newest anchor's delay, never sealing.
 */
export const anchorHook = Effect.fn("Audit.anchorHook")(function*(settings: Option.Option<AnchorCommandSettings>) {
  if (Option.isNone(settings)) return { offer: () => Effect.void } satisfies AnchorHook
  const pending = yield* Queue.sliding<AnchorRecord>(1)
  yield* Effect.forkScoped(
    Effect.forever(
      Queue.take(pending).pipe(
        Effect.flatMap((record) => runAnchorCommand(settings.value, record)),
        Effect.matchEffect({
          onSuccess: () => Metric.update(commandSucceeded, 1),
          onFailure: (error) =>
            Metric.update(anchorCommandFailed, 1).pipe(
              Effect.andThen(Effect.logError(`the anchor command failed: ${error.message}`).pipe(Effect.annotateLogs({ command: settings.value.command })))
            )
        })
      )
    )
  )
  yield* Effect.logInfo("seal anchors are also handed to WT_AUDIT_ANCHOR_COMMAND")
  return { offer: (record) => Queue.offer(pending, record).pipe(Effect.asVoid) } satisfies AnchorHook
})
