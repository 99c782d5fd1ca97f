import { assert, describe, layer } from "@effect/vitest"
import { generateSealKey, type InclusionProof, verifyInclusion } from "@wt/audit-chain"
import { appendAuditEntry, incidentRecordEntries, publishSigningKey, readLastSeal, runSealer, sealStreamSpec } from "@wt/audit-log"
import { ensureStream, natsClientEnv } from "@wt/nats"
import { NatsTestServer } from "@wt/nats/testing"
import { PgClient } from "@effect/sql-pg"
import type { Actor, IncidentCommand, IncidentState } from "@wt/contracts"
import { exampleDecision, examplePendantAlarm } from "@wt/contracts/examples"
import { TestDatabase } from "@wt/db/testing"
import { decide, evolve } from "@wt/incident"
import { applyIncidentRecord } from "@wt/read-models"
import { Effect, Fiber, Layer, Option, Redacted, References, Result } from "effect"
import { cliRunner as cli, scratchDir } from "./cli-harness.ts"
const kari: Actor = { kind: "operator", id: "u-kari", name: "Kari" }
const at = (s: string) => `2026-11-25T03:${s}Z`

/** The incident's records as the projector would apply them, produced by the real decider. */
const history = (incidentId: string, commands: ReadonlyArray<IncidentCommand>) => {
  let state: IncidentState | undefined
  const records = []
  for (const command of commands) {
    for (const event of Result.getOrThrow(decide(command, state, incidentId))) {
      state = evolve(state, event)
      records.push({ event, state })
    }
  }
  return records
}

const tempDir = scratchDir("tl")

describe("wt timeline", () => {
  layer(TestDatabase, { timeout: 60_000 })((it) => {
    it.effect("prints the timeline with ownership intervals as text, JSON and a printable page", () =>
      Effect.gen(function*() {
        const records = history("inc-tl-1", [
          { type: "open_incident", at: at("00:00.000"), incidentId: "inc-tl-1", tenant: "demo", residentId: "res-0042", decision: exampleDecision("P1"), deviceEvent: examplePendantAlarm("evt-tl-0001", { occurredAt: at("00:00.000") }) },
          { type: "claim", at: at("00:41.500"), by: kari },
          { type: "add_note", at: at("02:00.000"), by: kari, handlingCode: 8, text: "spoke with the resident <ok>" },
          { type: "resolve", at: at("12:00.000"), by: kari, cause: "fall", action: "home care visited" }
        ])
        yield* Effect.forEach(records, (r, i) => applyIncidentRecord(r, i + 1), { discard: true })
        const url = Redacted.value((yield* PgClient.PgClient).config.url!)
        const dataDir = yield* tempDir
        const wt = cli({ DATABASE_URL: url, WT_DATA_DIR: dataDir })

        const json = yield* wt("timeline", "inc-tl-1", "--json")
        assert.strictEqual(json.code, 0, json.stderr)
        const report = JSON.parse(json.stdout)
        assert.deepStrictEqual(report.timeline.map((t: { kind: string }) => t.kind), [
          "device_event", "triage_decision", "incident_opened", "incident_claimed", "note_added", "incident_resolved"
        ])
        assert.deepStrictEqual(report.ownership, [
          { owner: { kind: "queue", id: "demo" }, from: at("00:00.000"), to: at("00:41.500"), durationMs: 41_500, because: "incident_opened" },
          { owner: { kind: "operator", id: "u-kari", name: "Kari" }, from: at("00:41.500"), to: at("12:00.000"), durationMs: 678_500, because: "incident_claimed" }
        ])

        const text = yield* wt("timeline", "inc-tl-1")
        assert.strictEqual(text.code, 0, text.stderr)
        assert.include(text.stdout, "Incident inc-tl-1 · tenant demo · resident res-0042 · P1")
        assert.match(text.stdout, /2026-11-25T03:00:41\.500Z – 2026-11-25T03:12:00\.000Z\s+\(11 min 19 s\)\s+operator:u-kari \(Kari\)/)

        const html = yield* wt("timeline", "inc-tl-1", "--html")
        assert.strictEqual(html.code, 0, html.stderr)
        assert.match(html.stdout, /^<!doctype html>/)
        assert.include(html.stdout, "@page { size: A4")
        assert.include(html.stdout, "<td>operator:u-kari (Kari)</td><td>incident_claimed</td>")
        assert.notInclude(html.stdout, "<ok>")

        const missing = yield* wt("timeline", "inc-nope")
        assert.strictEqual(missing.code, 1)
        assert.include(missing.stderr, "no incident inc-nope")
      }))
  })

  const WithAudit = Layer.mergeAll(
    TestDatabase,
    Layer.effectDiscard(ensureStream(sealStreamSpec({ replicas: 1 }))).pipe(Layer.provideMerge(NatsTestServer.layerNats))
  )

  layer(WithAudit, { excludeTestServices: true, timeout: 90_000 })((it) => {
    it.effect("--verify proves every audit entry about the incident against the signed seals", () =>
      Effect.gen(function*() {
        const records = history("inc-tl-2", [
          { type: "open_incident", at: at("10:00.000"), incidentId: "inc-tl-2", tenant: "demo", residentId: "res-0043", decision: exampleDecision("P2"), deviceEvent: examplePendantAlarm("evt-tl-0002", { occurredAt: at("10:00.000") }) },
          { type: "claim", at: at("10:30.000"), by: kari },
          { type: "resolve", at: at("15:00.000"), by: kari }
        ])
        yield* Effect.forEach(records, (r, i) => applyIncidentRecord(r, i + 1), { discard: true })
        // The audit writer's own entries for these records, between other incidents' entries.
        const noise = history("inc-other", [
          { type: "open_incident", at: at("09:00.000"), incidentId: "inc-other", tenant: "demo", residentId: "res-0044", decision: exampleDecision("P3"), deviceEvent: examplePendantAlarm("evt-tl-0003") }
        ])
        for (let i = 0; i < 30; i++) yield* Effect.forEach(incidentRecordEntries(noise[0]!, { stream: "WT_INCIDENT", seq: 1000 + i }), (e) => appendAuditEntry({ ...e, id: `${e.id}-${i}` }), { discard: true })
        yield* Effect.forEach(records.slice(0, 2), (r, i) => Effect.forEach(incidentRecordEntries(r, { stream: "WT_INCIDENT", seq: i + 1 }), appendAuditEntry, { discard: true }), { discard: true })
        for (let i = 30; i < 50; i++) yield* Effect.forEach(incidentRecordEntries(noise[0]!, { stream: "WT_INCIDENT", seq: 1000 + i }), (e) => appendAuditEntry({ ...e, id: `${e.id}-${i}` }), { discard: true })

        const key = generateSealKey()
        yield* publishSigningKey(key)
        const sealer = yield* Effect.forkScoped(runSealer(key, { sealSize: 16, sealEveryMs: 100 }))
        while (Option.match(yield* readLastSeal(), { onNone: () => 0, onSome: (s) => s.seal.toSeq }) < 2 * 50 + 3) yield* Effect.sleep("50 millis")
        yield* Fiber.interrupt(sealer)
        // The resolution is audited after the last seal: not yet provable.
        yield* Effect.forEach(incidentRecordEntries(records[2]!, { stream: "WT_INCIDENT", seq: 3 }), appendAuditEntry, { discard: true })

        const { access, url: natsUrl } = yield* NatsTestServer
        const wt = cli({ DATABASE_URL: Redacted.value((yield* PgClient.PgClient).config.url!), NATS_URL: natsUrl, WT_DATA_DIR: yield* tempDir, ...natsClientEnv(access("cli")) })
        const json = yield* wt("timeline", "inc-tl-2", "--verify", "--json")
        assert.strictEqual(json.code, 0, json.stderr)
        const integrity = JSON.parse(json.stdout).integrity as {
          entries: ReadonlyArray<{ seq: number; kind: string; status: string; text: string; proof?: InclusionProof }>
          chainBreak?: unknown
        }
        assert.isUndefined(integrity.chainBreak)
        assert.deepStrictEqual(integrity.entries.map((e) => [e.kind, e.status]), [
          ["triage_decision", "sealed"],
          ["incident_event", "sealed"],
          ["incident_event", "sealed"],
          ["incident_event", "unsealed"]
        ])
        // Anyone with the public key can check a proof from the JSON alone.
        for (const e of integrity.entries.filter((e) => e.status === "sealed")) {
          const entry = { seq: e.seq, bytes: new TextEncoder().encode(e.text) }
          assert.isTrue(Result.isSuccess(verifyInclusion(entry, e.proof!, [key])))
          const forged = { seq: e.seq, bytes: new TextEncoder().encode(e.text.replace("inc-tl-2", "inc-tl-3")) }
          assert.isTrue(Result.isFailure(verifyInclusion(forged, e.proof!, [key])))
        }

        const text = yield* wt("timeline", "inc-tl-2", "--verify")
        assert.include(text.stdout, "4 audit entries about this incident: 3 sealed and unaltered (each with a Merkle proof to a signed seal), 1 not yet sealed, 0 altered")
        assert.include(text.stdout, `signed by ${key.keyId}`)
      }).pipe(Effect.provideService(References.MinimumLogLevel, "Warn")))
  })
})
