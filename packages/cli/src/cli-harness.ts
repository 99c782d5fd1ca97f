import { execFile } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"

/** For the CLI's tests: `pnpm wt …` run as its own process, as a user runs it. */
const main = new URL("./main.ts", import.meta.url).pathname

export interface CliRun {
  readonly stdout: string
  readonly stderr: string
  readonly code: number
}

/**
 * A runner of `wt <args…>` with `env` over this process's environment, less the variables
 * named in `unset` (so a developer's own NATS_URL or DATABASE_URL never reaches the test).
 */
export const cliRunner = (env: Readonly<Record<string, string>>, options: { readonly unset?: ReadonlyArray<string>; readonly timeoutMs?: number } = {}) =>
(...args: ReadonlyArray<string>) =>
  Effect.callback<CliRun>((resume) => {
    const inherited: Record<string, string | undefined> = { ...process.env }
    for (const name of options.unset ?? []) delete inherited[name]
    execFile(process.execPath, [main, ...args], { env: { ...inherited, ...env }, timeout: options.timeoutMs ?? 30_000 }, (error, stdout, stderr) =>
      resume(Effect.succeed({ stdout, stderr, code: error === null ? 0 : typeof error.code === "number" ? error.code : 1 })))
  })

/** A temporary directory for one test, removed with its scope. */
export const scratchDir = (label: string) =>
  Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), `wt-cli-${label}-`))),
    (d) => Effect.sync(() => rmSync(d, { recursive: true, force: true }))
  )
