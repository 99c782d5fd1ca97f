import { assert, describe, layer } from "@effect/vitest"
import { generateSealKey, privateKeyPem, publicKeyPem } from "@wt/audit-chain"
import { appendAuditEntry, publishSigningKey, readLastSeal, runSealer, sealStreamSpec } from "@wt/audit-log"
import type { AuditEntry } from "@wt/contracts"
import { ensureStream, natsAuthEnv } from "@wt/nats"
import { NatsTestServer } from "@wt/nats/testing"
import { Effect, Layer, Option, References } from "effect"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { cliRunner, scratchDir } from "./cli-harness.ts"

const Env = Layer.effectDiscard(ensureStream(sealStreamSpec({ replicas: 1 }))).pipe(Layer.provideMerge(NatsTestServer.layerNats))

const entry = (n: number): AuditEntry => ({
  id: `cli-${n}`,
  tenant: n % 3 === 0 ? "nordby" : "demo",
  kind: n % 5 === 0 ? "record_view" : "incident_event",
  at: new Date(Date.UTC(2026, 10, 25, 21, 0, n)).toISOString(),
  actor: { kind: "operator", id: `u-${n % 4}` },
  subject: { incidentId: `inc-${n % 9}`, residentId: `res-${n % 11}` },
  summary: `entry ${n} with "quotes" and æøå`,
  data: { n }
})

const Total = 120

describe("wt audit verify and export", () => {
  layer(Env, { excludeTestServices: true, timeout: 120_000 })((it) => {
    it.effect("verifies the live stream and an export, and names the exact sequence of every kind of tampering", () =>
      Effect.gen(function*() {
        const { access, url } = yield* NatsTestServer
        const dir = yield* scratchDir("audit")
        const cli = access("cli")
        const wt = cliRunner({ NATS_URL: url, WT_DATA_DIR: dir, ...natsAuthEnv(cli.auth, cli.tls, cli.inboxPrefix) }, { unset: ["DATABASE_URL", "NATS_URL"], timeoutMs: 60_000 })

        const key = generateSealKey()
        // The installation's own key, where the audit service keeps it: what verify trusts by default.
        mkdirSync(join(dir, "audit"), { recursive: true, mode: 0o700 })
        writeFileSync(join(dir, "audit", "ed25519.pem"), privateKeyPem(key), { mode: 0o600 })
        yield* publishSigningKey(key)
        yield* Effect.forEach(Array.from({ length: Total }, (_, i) => entry(i + 1)), appendAuditEntry, { discard: true })
        yield* Effect.forkScoped(runSealer(key, { sealSize: 25, sealEveryMs: 100 }))
        while (Option.match(yield* readLastSeal(), { onNone: () => 0, onSome: (s) => s.seal.toSeq }) < Total) yield* Effect.sleep("50 millis")

        const live = yield* wt("audit", "verify")
        assert.strictEqual(live.code, 0, live.stdout + live.stderr)
        assert.include(live.stdout, "INTACT")
        assert.include(live.stdout, "tenant nordby: 40 entries")

        const range = yield* wt("audit", "verify", "--from", "30", "--to", "60", "--json")
        assert.strictEqual(range.code, 0, range.stdout + range.stderr)
        assert.deepInclude(JSON.parse(range.stdout), { intact: true, fromSeq: 26, toSeq: 75 })

        const keyFile = join(dir, "key.pem")
        const printed = yield* wt("audit", "public-key")
        assert.strictEqual(printed.stdout.trim(), publicKeyPem(key).trim())
        writeFileSync(keyFile, printed.stdout)

        const file = join(dir, "audit.jsonl")
        const exported = yield* wt("audit", "export", "--out", file)
        assert.strictEqual(exported.code, 0, exported.stdout + exported.stderr)
        const lines = readFileSync(file, "utf8").trimEnd().split("\n")
        const isEntry = (l: string) => l.startsWith(`{"type":"entry"`)
        const head = lines.filter((l) => !isEntry(l) && !l.startsWith(`{"type":"end"`))
        const entries = lines.filter(isEntry)
        assert.strictEqual(entries.length, Total)
        assert.strictEqual(yield* wt("audit", "verify", "--file", file, "--public-key", keyFile).pipe(Effect.map((r) => r.code)), 0)

        const verifyTampered = (name: string, tampered: ReadonlyArray<string>) =>
          Effect.gen(function*() {
            const path = join(dir, `${name}.jsonl`)
            writeFileSync(path, [...head, ...tampered].join("\n") + "\n")
            return yield* wt("audit", "verify", "--file", path, "--public-key", keyFile)
          })
        const expectBroken = (result: { stdout: string; stderr: string; code: number }, seq: number, kind: string) => {
          assert.strictEqual(result.code, 3, result.stdout + result.stderr)
          assert.include(result.stdout, `first bad sequence ${seq} (${kind})`)
        }
        const parsed = entries.map((l) => JSON.parse(l) as { seq: number; text: string })
        const line = (e: { seq: number; text: string }) => JSON.stringify({ type: "entry", seq: e.seq, subject: "wt.audit.demo.incident_event", text: e.text })

        // One character of entry 37's stored JSON changed.
        const altered = parsed.map((e) => (e.seq === 37 ? line({ seq: 37, text: e.text.replace("entry 37", "entry 38") }) : JSON.stringify({ type: "entry", ...e })))
        expectBroken(yield* verifyTampered("altered", altered), 37, "altered")
        expectBroken(yield* verifyTampered("removed", entries.filter((_, i) => parsed[i]!.seq !== 50)), 50, "removed")
        const forged = line({ seq: 64, text: JSON.stringify(entry(64)).replace("u-0", "u-3") })
        expectBroken(yield* verifyTampered("inserted", entries.flatMap((l, i) => (parsed[i]!.seq === 64 ? [forged, l] : [l]))), 64, "inserted")
        const swapped = entries.map((l, i) => (parsed[i]!.seq === 80 ? entries[89]! : parsed[i]!.seq === 90 ? entries[79]! : l))
        expectBroken(yield* verifyTampered("reordered", swapped), 80, "reordered")
        // Bytes flipped in the file itself, at every position of entry 101's stored JSON: in a
        // string, in a name, in the JSON structure (which may make the line unreadable).
        const at101 = entries.findIndex((_, i) => parsed[i]!.seq === 101)
        const line101 = entries[at101]!
        const textStart = line101.indexOf(`"text":"`) + 8
        for (const offset of [0, 20, line101.length - textStart - 3]) {
          const i = textStart + offset
          const flippedLine = line101.slice(0, i) + String.fromCharCode(line101.charCodeAt(i) ^ 0x01) + line101.slice(i + 1)
          const flipped = yield* verifyTampered(`flipped-${offset}`, entries.map((l, k) => (k === at101 ? flippedLine : l)))
          assert.strictEqual(flipped.code, 3, `flip at ${offset}: ${flipped.stdout}`)
          assert.include(flipped.stdout, "first bad sequence 101 (altered)", `flip at ${offset}`)
        }

        // Re-signing the whole trail with another key does not pass a pinned check.
        const otherKey = join(dir, "other.pem")
        writeFileSync(otherKey, publicKeyPem(generateSealKey()))
        expectBroken(yield* wt("audit", "verify", "--file", file, "--public-key", otherKey), 1, "seal")
      }).pipe(Effect.provideService(References.MinimumLogLevel, "Warn")), 240_000)
  })
})
