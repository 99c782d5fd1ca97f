/**
 * `pnpm bench rest [--seconds N] [--profile] [--scrape-ms MS [--scrape-family NAME]]`: what the whole system costs with nothing to do,
 * as a response centre at 3 a.m. with no event arriving: CPU ms per second of each process,
 * measured after the system has settled, with no browser, scrape or sender connected.
 * Every device event's CPU figure in `pnpm bench` includes this cost for as long as its phase runs.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { ServiceNames } from "@wt/launcher"
import { startBenchSystem } from "./bench-system.ts"
import { natsServerPid, servicePids, startCpuMeter } from "./cpu-usage.ts"

const { values: flags } = parseArgs({
  args: process.argv.slice(3),
  options: {
    seconds: { type: "string", default: "30" },
    settle: { type: "string", default: "15" },
    profile: { type: "boolean", default: false },
    "scrape-ms": { type: "string" },
    // With --scrape-ms: ask only this family (`/metrics?name=`), as the system benchmark polls progress.
    "scrape-family": { type: "string" }
  },
  strict: true
})

const resultsDir = join(process.cwd(), "bench-results")
const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`)

const program = Effect.gen(function*() {
  mkdirSync(resultsDir, { recursive: true })
  const profileDir = join(resultsDir, "rest-profiles")
  if (flags.profile) mkdirSync(profileDir, { recursive: true })
  const system = yield* startBenchSystem({
    residents: 2500,
    env: { NODE_OPTIONS: flags.profile ? `--cpu-prof --cpu-prof-dir=${profileDir}` : "" },
    logFile: join(resultsDir, "rest-services.log")
  })
  const pids = servicePids(system.services, ServiceNames)
  if (flags.profile) writeFileSync(join(profileDir, "services.json"), JSON.stringify(pids(), null, 2) + "\n")
  log(`system ready: ${system.devices} devices; settling ${flags.settle} s`)
  yield* Effect.sleep(`${Number(flags.settle)} seconds`)
  const natsPid = natsServerPid()
  if (flags["scrape-ms"] !== undefined) {
    const family = flags["scrape-family"]
    const query = family === undefined ? "" : `?name=${encodeURIComponent(family)}`
    const urls = ServiceNames.map((n) => `${system.services[n].url}/metrics${query}`)
    yield* Effect.forkScoped(Effect.forever(Effect.andThen(
      Effect.promise(() => Promise.all(urls.map((u) => fetch(u).then((r) => r.text()).catch(() => "")))),
      Effect.sleep(Number(flags["scrape-ms"]))
    )))
  }
  const meter = startCpuMeter(() => ({ ...pids(), "nats-server": natsPid }))
  yield* Effect.sleep(`${Number(flags.seconds)} seconds`)
  const perSecond = meter.perSecond()
  log(`at rest: CPU ms per second over ${flags.seconds} s, by process: ${JSON.stringify(perSecond)}`)
  writeFileSync(join(resultsDir, "rest.json"), JSON.stringify({ seconds: Number(flags.seconds), cpu_ms_per_s: perSecond }, null, 2) + "\n")
})

NodeRuntime.runMain(Effect.scoped(program))
