import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Effect, Redacted } from "effect"

const simulator = fileURLToPath(new URL("../../simulators/responders/src/main.ts", import.meta.url))

/**
 * Simulated home-care teams and next of kin for the demo tenant, against dispatch's responder
 * API: they accept offers after a few seconds, travel, arrive and complete in compressed time,
 * and now and then reject or do not answer. Stopped with the rest; off with WT_DEMO_RESPONDERS=0.
 */
export const runDemoResponders = (dispatchUrl: string, secret: Redacted.Redacted<string>) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      spawn(process.execPath, [simulator, "--url", dispatchUrl, "--quiet"], {
        // The secret goes by environment, not on the command line where `ps` shows it.
        env: { ...process.env, WT_DEMO_INGEST_KEY: Redacted.value(secret) },
        stdio: ["ignore", "ignore", "inherit"]
      })
    ),
    (child) =>
      Effect.callback<void>((resume) => {
        if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
        child.once("exit", () => resume(Effect.void))
        child.kill("SIGTERM")
      })
  )
