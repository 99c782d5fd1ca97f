import { type ChildProcess, spawn } from "node:child_process"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../../", import.meta.url))

export interface StartedCommand {
  readonly child: ChildProcess
  /** What it printed so far on stdout, and on stderr. */
  readonly stdout: () => string
  readonly stderr: () => string
  readonly exited: Promise<number | null>
}

/**
 * `pnpm start [args]` as a user runs it, on embedded NATS and PostgreSQL: the test's own
 * NATS_URL and DATABASE_URL are not passed on; `env` adds the data directory and ports.
 */
export const spawnStart = (args: ReadonlyArray<string>, env: Record<string, string>): StartedCommand => {
  const full: Record<string, string | undefined> = { ...process.env, ...env }
  delete full["NATS_URL"]
  delete full["DATABASE_URL"]
  const child = spawn(process.execPath, [join(root, "deploy/local/start.ts"), ...args], { cwd: root, env: full, stdio: ["ignore", "pipe", "pipe"] })
  let out = ""
  let err = ""
  child.stdout!.on("data", (d) => (out += d))
  child.stderr!.on("data", (d) => (err += d))
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  return { child, stdout: () => out, stderr: () => err, exited }
}

/**
 * Stops what `spawnStart` started, as Ctrl-C does (SIGINT stops the services, NATS and PostgreSQL
 * it started), and only after `graceMs` by SIGKILL: killing the command alone at once leaves its
 * services running on their own after a failed test.
 */
export const stopStarted = async (started: StartedCommand, graceMs = 30_000): Promise<void> => {
  const { child, exited } = started
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill("SIGINT")
  const timer = new Promise<"late">((resolve) => setTimeout(() => resolve("late"), graceMs).unref())
  if ((await Promise.race([exited, timer])) === "late") child.kill("SIGKILL")
}
