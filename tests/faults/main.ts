/**
 * `pnpm faults [--quick] [--only <text>]`: the fault suite on a three-node cluster with two copies
 * of each service (see suite.ts); `--only` keeps the faults whose name holds the text (`--only SIGSTOP`). Prints the table and writes bench-results/faults.json (and the
 * services' log beside it). Exit 1 when an event was lost or duplicated or the trail did not verify.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { cpus } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Schema } from "effect"
import { faultTable, FullPlan, QuickPlan, runFaultSuite } from "./suite.ts"

const { values: flags } = parseArgs({ args: process.argv.slice(2), options: { quick: { type: "boolean", default: false }, only: { type: "string" } }, strict: true })

const resultsDir = join(process.cwd(), "bench-results")
const log = (line: string) => process.stdout.write(`[faults ${new Date().toISOString().slice(11, 19)}] ${line}\n`)

class NoSuchFault extends Schema.TaggedError<NoSuchFault>()("NoSuchFault", { message: Schema.String }) {}

const program = Effect.gen(function*() {
  mkdirSync(resultsDir, { recursive: true })
  const plan = flags.quick ? QuickPlan : FullPlan
  const faults = plan.faults.filter((fault) => flags.only === undefined || fault.name.includes(flags.only))
  if (faults.length === 0) return yield* Effect.fail(new NoSuchFault({ message: `no fault named like "${flags.only}": ${plan.faults.map((f) => f.name).join(", ")}` }))
  const result = yield* runFaultSuite({ ...plan, faults }, { logFile: join(resultsDir, "faults-services.log"), log })
  const table = faultTable(result.rows)
  writeFileSync(join(resultsDir, "faults.json"), JSON.stringify({ ...result, machine: { cpus: cpus().length, node: process.version }, table }, null, 2) + "\n")
  process.stdout.write(`\n${table}\n\n`)
  for (const row of result.rows) process.stdout.write(`${row.fault}: ${row.notes.join("; ")}\n`)
  log(`wrote bench-results/faults.json (run took ${result.run_s} s; the operator resolved ${result.operator.resolved} P1s, ${result.operator.refused} refused)`)
  const failed = result.rows.filter((r) => r.lost > 0 || r.duplicated > 0 || r.audit_verify !== "intact" || Object.keys(r.stream_holes).length > 0)
  if (failed.length > 0) {
    log(`FAILED: ${failed.map((r) => r.fault).join(", ")}`)
    process.exitCode = 1
  }
})

NodeRuntime.runMain(Effect.scoped(program))
