// Every HTTP route of the console API, the responder API and the ingest API fuzzed
// from its own OpenAPI document, as each role (operator, supervisor, admin of demo; north-operator),
// as responders' phones, with both tenants' ingest keys, as signing vendor platforms, and as no one.
// The short form (a few thousand inputs); `pnpm bench fuzz` runs the long one.
import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { Nats } from "@wt/nats"
import { countsTable, runFuzz } from "../support/http-fuzz.ts"
import { fuzzRig, ingestDeadLetters } from "../support/fuzz-rig.ts"
import { documentProblems } from "../support/openapi.ts"
import { E2ESystem } from "../support/system.ts"

const Inputs = 3000
const Seed = 20_261_204

layer(E2ESystem.layerWithNats, { excludeTestServices: true, timeout: "180 seconds" })("every HTTP route fuzzed from its own contract", (it) => {
  const rig = Effect.gen(function*() {
    const sys = yield* E2ESystem
    return yield* fuzzRig({ ...sys, dispatchUrl: `http://127.0.0.1:${sys.services.ports.dispatch}` })
  })

  it.effect("each service serves its OpenAPI document, valid per swagger-parser and openapi-schema-validator", () =>
    Effect.gen(function*() {
      const { targets } = yield* rig
      expect(targets.map((t) => t.name)).toEqual(["console", "responder", "ingest"])
      for (const target of targets) expect(yield* Effect.promise(() => documentProblems(target.doc)), target.name).toEqual([])
    }), 120_000)

  it.effect(`${Inputs} generated requests: never a 5xx, never an error without a JSON body, always a declared status and body, never another tenant's residents; every refused ingest body in WT_DLQ`, () =>
    Effect.gen(function*() {
      const { targets, tenants } = yield* rig
      const nats = yield* Nats
      const deadLettersBefore = yield* ingestDeadLetters(nats)
      const run = yield* Effect.promise(() => runFuzz({ targets, tenants, inputs: Inputs, seed: Seed, concurrency: 6, keepProblems: 500 }))
      console.log([...run.timing.entries()].sort((a, b) => b[1].totalMs - a[1].totalMs).slice(0, 8).map(([k, t]) => `${k}: ${Math.round(t.totalMs)} ms in all, slowest ${Math.round(t.maxMs)} ms`).join("\n"))
      // One line per kind of problem and route, with the first input that showed it.
      const kinds = new Map<string, string>()
      for (const p of run.problems) {
        const kind = `${p.request.target} ${p.request.route}: ${p.problems[0]!.replace(/body .*$/su, "").slice(0, 120)}`
        if (!kinds.has(kind)) kinds.set(kind, `${kind} — e.g. ${p.request.url.slice(0, 160)} as ${p.request.caller} (${p.request.shape}): ${p.problems.join("; ").slice(0, 400)}`)
      }
      const report = [...kinds.values()]
      expect(report).toEqual([])
      expect(run.inputs).toBe(Inputs)
      // Every operation of every document was tried, and answered.
      const tried = new Set(run.counts.keys())
      for (const target of targets) {
        for (const [path, item] of Object.entries(target.doc.paths)) {
          for (const method of Object.keys(item)) expect(tried.has(`${target.name} ${method.toUpperCase()} ${path}`), `${target.name} ${method} ${path}`).toBe(true)
        }
      }
      // Each refusal of an authenticated ingest request left at least one dead letter with its bytes.
      let kept = 0
      for (let i = 0; i < 100 && kept < run.refusedIngest; i++) {
        kept = (yield* ingestDeadLetters(nats)) - deadLettersBefore
        if (kept < run.refusedIngest) yield* Effect.sleep("200 millis")
      }
      expect(run.refusedIngest).toBeGreaterThan(50)
      expect(kept).toBeGreaterThanOrEqual(run.refusedIngest)
      console.log(countsTable(run.counts))
    }), 600_000)
})
