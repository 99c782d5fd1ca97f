/**
 * `pnpm bench fuzz [--inputs N] [--quick] [--seed S]`: the long form of tests/e2e/contract-fuzz.test.ts.
 * One installation as `pnpm start` runs it; every route of the console API, the
 * responder API and the ingest API fuzzed from the OpenAPI document its service serves, as each role
 * (operator, supervisor, admin of demo; north-operator), responders' phones, both tenants' ingest keys,
 * signing vendor platforms, forged credentials and no one: 100,000 inputs (10,000 with --quick).
 * Every answer judged: no 5xx, no error without a JSON body, a status and body the document declares,
 * no resident of another tenant; every refused ingest body kept in WT_DLQ; no service process died.
 * Prints counts per route and status and writes bench-results/fuzz.json; any violation fails the run.
 */
import { createWriteStream, mkdirSync, writeFileSync } from "node:fs"
import { cpus, loadavg } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { ServiceNames } from "@wt/launcher"
import { makeNats } from "@wt/nats"
import { fuzzRig, ingestDeadLetters } from "../support/fuzz-rig.ts"
import { countsTable, runFuzz } from "../support/http-fuzz.ts"
import { startInstallation } from "../support/system.ts"

const { values: flags } = parseArgs({
  args: process.argv.slice(3),
  options: { quick: { type: "boolean", default: false }, inputs: { type: "string" }, seed: { type: "string" } },
  strict: true
})
const inputs = flags.inputs !== undefined ? Number(flags.inputs) : flags.quick ? 10_000 : 100_000
const seed = flags.seed !== undefined ? Number(flags.seed) : 20_261_204
const resultsDir = join(process.cwd(), "bench-results")
const log = (line: string) => console.log(`[fuzz] ${line}`)

const program = Effect.gen(function*() {
  const started = Date.now()
  mkdirSync(resultsDir, { recursive: true })
  const logFile = join(resultsDir, "fuzz-services.log")
  const serviceLog = yield* Effect.acquireRelease(Effect.sync(() => createWriteStream(logFile, { flags: "w" })), (s) => Effect.sync(() => s.end()))
  log("starting nats-server, a fresh database and the services")
  const system = yield* startInstallation({ label: "fuzz", onLine: (service, line) => void serviceLog.write(`${service} | ${line}\n`) })
  const rig = yield* fuzzRig({ ...system, webhookSecrets: system.webhookSecrets, dispatchUrl: `http://127.0.0.1:${system.services.ports.dispatch}` })
  const observer = yield* makeNats({ url: system.natsUrl, name: "wt-bench-fuzz", ...system.natsAccess("observer") })
  const deadLettersBefore = yield* ingestDeadLetters(observer)
  const pids = Object.fromEntries(ServiceNames.map((name) => [name, system.services[name].pid()]))
  log(`ready after ${Math.round((Date.now() - started) / 1000)} s; ${inputs} inputs, seed ${seed}`)

  const loadBefore = loadavg().map((l) => Math.round(l * 100) / 100)
  const run = yield* Effect.promise(() =>
    runFuzz({
      targets: rig.targets,
      tenants: rig.tenants,
      inputs,
      seed,
      concurrency: 8,
      keepProblems: 200,
      onProgress: (done) => done % 10_000 === 0 && log(`${done} inputs`)
    }))
  let kept = 0
  for (let i = 0; i < 150 && kept < run.refusedIngest; i++) {
    kept = (yield* ingestDeadLetters(observer)) - deadLettersBefore
    if (kept < run.refusedIngest) yield* Effect.sleep("200 millis")
  }
  // A service that crashed would have been restarted by nobody: its process is gone.
  const alive = Object.fromEntries(Object.entries(pids).map(([name, pid]) => {
    try {
      process.kill(pid as number, 0)
      return [name, true]
    } catch {
      return [name, false]
    }
  }))

  const perTarget = Object.fromEntries(rig.targets.map((t) => {
    const routes = [...run.counts.entries()].filter(([key]) => key.startsWith(`${t.name} `))
    const all = routes.flatMap(([, m]) => [...m.entries()])
    return [t.name, {
      inputs: all.reduce((a, [, n]) => a + n, 0),
      answers_5xx: all.filter(([s]) => s >= 500).reduce((a, [, n]) => a + n, 0),
      routes: routes.length
    }]
  }))
  const problemKinds = new Map<string, { count: number; example: string }>()
  for (const p of run.problems) {
    const kind = `${p.request.target} ${p.request.route}: ${p.problems[0]!.replace(/body .*$/su, "").slice(0, 160)}`
    const entry = problemKinds.get(kind) ?? { count: 0, example: `${p.request.url.slice(0, 200)} as ${p.request.caller} (${p.request.shape})` }
    problemKinds.set(kind, { ...entry, count: entry.count + 1 })
  }
  const results = {
    when: new Date().toISOString(),
    seed,
    inputs: run.inputs,
    run_s: Math.round(run.elapsedMs / 100) / 10,
    inputs_per_s: Math.round(run.inputs / (run.elapsedMs / 1000)),
    per_interface: perTarget,
    problems: run.problems.length,
    problem_kinds: Object.fromEntries(problemKinds),
    refused_ingest_requests: run.refusedIngest,
    ingest_dead_letters_kept: kept,
    services_alive: alive,
    counts: Object.fromEntries([...run.counts.entries()].map(([route, m]) => [route, Object.fromEntries(m)])),
    machine: { cpus: cpus().length, load_average_before: loadBefore, load_average_after: loadavg().map((l) => Math.round(l * 100) / 100) }
  }
  writeFileSync(join(resultsDir, "fuzz.json"), JSON.stringify(results, null, 2) + "\n")
  console.log(countsTable(run.counts))
  log(`${run.inputs} inputs in ${results.run_s} s (${results.inputs_per_s}/s): ${JSON.stringify(perTarget)}`)
  log(`refused authenticated ingest requests ${run.refusedIngest}, dead letters kept for them ${kept}; services alive ${JSON.stringify(alive)}`)
  for (const [kind, { count, example }] of problemKinds) log(`PROBLEM ×${count} ${kind} — e.g. ${example}`)
  log(`wrote bench-results/fuzz.json; services' log in ${logFile}`)
  const failed = run.problems.length > 0 || kept < run.refusedIngest || Object.values(alive).some((a) => !a)
  if (failed) return yield* Effect.die(new Error("the fuzz run found violations (see above)"))
})

NodeRuntime.runMain(Effect.scoped(program))
