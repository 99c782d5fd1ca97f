import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"

const simulator = fileURLToPath(new URL("../../simulators/devices/src/main.ts", import.meta.url))

/**
 * The demo fleet's heartbeats (and now and then a technical fault), straight to JetStream,
 * so a fresh `pnpm start` shows a supervised fleet rather than 1,358 silent devices turning
 * into a supervision storm after 90 s. Stopped with the rest; off with WT_DEMO_DEVICES=0.
 * `natsEnv`: the simulator's NATS credentials (user `sim`).
 */
export const runDemoDevices = (natsUrl: string, devices: number, natsEnv: Readonly<Record<string, string>>) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      spawn(process.execPath, [simulator, "--via", "nats", "--nats-url", natsUrl, "--type", "technical", "--rate", String(Math.ceil(devices / 45)), "--quiet"], {
        // As NATS user `sim`: device events only.
        env: { ...process.env, ...natsEnv, CI: "true" },
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
