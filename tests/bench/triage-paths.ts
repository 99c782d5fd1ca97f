/**
 * `pnpm bench triage-now [--events N] [--rounds R]`: CPU per heartbeat of triage-bulk's two ways
 * into a bulk-lane event, against a real registry (PostgreSQL) and NATS: `triageDeviceEvent` in a
 * fiber of its own per message (as `consume` ran every message before `handleNow`), and `triageNow`
 * with the fiber only for what it declines (as it runs now). Only the handler's part: no delivery,
 * decode or ack, which both ways share. The system benchmark's per-process figures swing by more
 * than this part is, so it is measured here alone.
 */
import { parseArgs } from "node:util"
import { NodeRuntime } from "@effect/platform-node"
import { type DeviceEvent, laneOfEvent } from "@wt/contracts"
import { Registry } from "@wt/registry"
import { Effect, References } from "effect"
import { triageDeviceEvent } from "../../services/triage/src/triage-event.ts"
import { makeTriageNow } from "../../services/triage/src/triage-now.ts"
import { deliveredMetaOf, seededTriageEnv } from "../../services/triage/src/triage-testing.ts"

const { values } = parseArgs({
  args: process.argv.slice(3),
  options: { events: { type: "string", default: "100000" }, rounds: { type: "string", default: "3" } }
})
const count = Number(values.events)
const rounds = Number(values.rounds)

const ownCpuUs = () => {
  const u = process.cpuUsage()
  return u.user + u.system
}

const program = Effect.gen(function*() {
  const registry = yield* Registry
  const devices = (yield* registry.activeDevices("demo")).map((d) => d.deviceId)
  const now = new Date().toISOString()
  const events: Array<DeviceEvent> = Array.from({ length: count }, (_, i) => ({
    id: `bench-hb-${i}`,
    tenant: "demo",
    deviceId: devices[i % devices.length]!,
    occurredAt: now,
    receivedAt: now,
    source: { via: "sim" },
    type: "technical",
    payload: { event: "heartbeat" }
  }) as DeviceEvent)
  if (laneOfEvent(events[0]!) !== "tech") return yield* Effect.die(new Error("a heartbeat is not on the tech lane"))
  const meta = deliveredMetaOf(events[0]!)
  const triageNow = yield* makeTriageNow
  const run = Effect.runForkWith(yield* Effect.context<Effect.Services<ReturnType<typeof triageDeviceEvent>>>())
  // One fiber per message, settled at once when it finishes at once, as consume's handler path does.
  let waiting = 0
  const inFiber = (event: DeviceEvent) => {
    const fiber = run(triageDeviceEvent(event, meta))
    if (fiber.pollUnsafe() === undefined) {
      waiting++
      fiber.addObserver(() => waiting--)
    }
  }
  const settle = Effect.promise(() => new Promise<void>((resolve) => {
    const check = () => (waiting === 0 ? resolve() : setTimeout(check, 5))
    check()
  }))
  // Warm: every device's snapshot loaded, the storms looked at, both ways compiled.
  for (const event of events.slice(0, devices.length)) inFiber(event)
  yield* settle
  for (const event of events.slice(0, 1000)) if (!triageNow(event)) inFiber(event)
  yield* settle

  for (let round = 1; round <= rounds; round++) {
    const fiber0 = ownCpuUs()
    for (const event of events) inFiber(event)
    yield* settle
    const fiberUs = (ownCpuUs() - fiber0) / count
    let declined = 0
    const now0 = ownCpuUs()
    for (const event of events) {
      if (!triageNow(event)) {
        declined++
        inFiber(event)
      }
    }
    yield* settle
    const nowUs = (ownCpuUs() - now0) / count
    console.log(`[triage-now] round ${round}: ${count} heartbeats from ${devices.length} devices; CPU per heartbeat: in a fiber ${fiberUs.toFixed(2)} µs, triageNow ${nowUs.toFixed(2)} µs (${declined} declined, handled in a fiber)`)
    // Let the storms' and snapshots' 2 s checks come round through the fiber path between rounds, as traffic would.
    yield* Effect.sleep("2500 millis")
    for (const event of events.slice(0, 10)) inFiber(event)
    yield* settle
  }
})

NodeRuntime.runMain(program.pipe(Effect.provide(seededTriageEnv(250)), Effect.provideService(References.MinimumLogLevel, "Warn")))
