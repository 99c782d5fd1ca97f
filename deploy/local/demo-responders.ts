import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"

const simulator = fileURLToPath(new URL("../../simulators/responders/src/main.ts", import.meta.url))

/**
 * Simulated home-care teams and next of kin for the demo tenant, against dispatch's responder
 * API: they accept offers after a few seconds, travel, arrive and complete in compressed time,
 * and now and then reject or do not answer. Stopped with the rest; off with WT_DEMO_RESPONDERS=0.
 * Their phones' tokens are read from the data directory's demo-secrets.json (never a command
 * line, where `ps` would show them), where the start that seeded them kept them.
 */
export const runDemoResponders = (dispatchUrl: string, dataDir: string) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      // A new seed each start: one run's first offer is not always answered the same way.
      spawn(process.execPath, [simulator, "--url", dispatchUrl, "--data-dir", dataDir, "--seed", String(Date.now() % 2 ** 31), "--quiet"], {
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
