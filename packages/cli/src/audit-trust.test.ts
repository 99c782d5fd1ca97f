import { assert, describe, layer } from "@effect/vitest"
import {
  type AuditSeal,
  generateSealKey,
  GenesisSealHash,
  keyFingerprint,
  leafHash,
  makeKeyRotation,
  makeSeal,
  privateKeyPem,
  publicKeyPem,
  type SealKey,
  sealHash,
  sealKeyFromPem
} from "@wt/audit-chain"
import { appendAuditEntry, publishSigningKey, readKeyRotations, readLastSeal, runSealer, sealStreamSpec } from "@wt/audit-log"
import type { AuditEntry } from "@wt/contracts"
import { ensureStream, natsAuthEnv } from "@wt/nats"
import { NatsTestServer } from "@wt/nats/testing"
import { ConfigProvider, Effect, Fiber, Layer, Option, References } from "effect"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { cliRunner, scratchDir } from "./cli-harness.ts"

const Env = Layer.effectDiscard(ensureStream(sealStreamSpec({ replicas: 1 }))).pipe(Layer.provideMerge(NatsTestServer.layerNats))

const entry = (n: number): AuditEntry => ({
  id: `trust-${n}`,
  tenant: "demo",
  kind: "incident_event",
  at: new Date(Date.UTC(2026, 10, 25, 21, 0, n)).toISOString(),
  actor: { kind: "operator", id: `u-${n % 4}` },
  subject: { incidentId: `inc-${n % 9}` },
  summary: `entry ${n}`,
  data: { n }
})

const sealedUpTo = (seq: number) =>
  Effect.gen(function*() {
    while (Option.match(yield* readLastSeal(), { onNone: () => 0, onSome: (s) => s.seal.toSeq }) < seq) yield* Effect.sleep("50 millis")
  })

type ExportLine = { type: string; seq?: number; text?: string; subject?: string; seal?: AuditSeal; key?: unknown; rotation?: unknown }

/** Seals entry lines again with `key`, 10 to a seal: what a forger holding only their own key can do. */
const resealed = (entries: ReadonlyArray<ExportLine>, key: SealKey): ReadonlyArray<AuditSeal> => {
  const seals: Array<AuditSeal> = []
  let prev = GenesisSealHash
  for (let i = 0; i < entries.length; i += 10) {
    const chunk = entries.slice(i, i + 10)
    const seal = makeSeal({
      stream: "WT_AUDIT",
      fromSeq: chunk[0]!.seq!,
      leaves: chunk.map((e) => leafHash(e.seq!, new TextEncoder().encode(e.text!))),
      prevSealHash: prev,
      sealedAt: "2026-11-26T03:00:00.000Z",
      key
    })
    seals.push(seal)
    prev = sealHash(seal)
  }
  return seals
}

describe("wt audit verify trusts only keys it was given or the installation pinned", () => {
  layer(Env, { excludeTestServices: true, timeout: 180_000 })((it) => {
    it.effect("a rotated key is trusted only through its announcement by the old key; forged exports fail, with their own key or a rewritten announcement", () =>
      Effect.gen(function*() {
        const { access, url } = yield* NatsTestServer
        const dir = yield* scratchDir("trust")
        const keyFile = join(dir, "audit", "ed25519.pem")
        const config = ConfigProvider.layer(ConfigProvider.fromUnknown({ WT_DATA_DIR: dir }))
        const cli = access("cli")
        const base = { NATS_URL: url, WT_DATA_DIR: dir, ...natsAuthEnv(cli.auth, cli.tls, cli.inboxPrefix) }
        const unset = ["DATABASE_URL", "NATS_URL", "WT_AUDIT_KEY_FILE", "WT_AUDIT_ANCHORS_FILE", "WT_AUDIT_TRUSTED_KEYS", "WT_AUDIT_ANCHOR_COMMAND"]
        const wt = cliRunner(base, { unset, timeoutMs: 60_000 })

        // Key A seals 1–40, as the audit service would with its key file.
        const first = generateSealKey()
        mkdirSync(join(dir, "audit"), { recursive: true, mode: 0o700 })
        writeFileSync(keyFile, privateKeyPem(first), { mode: 0o600 })
        yield* publishSigningKey(first).pipe(Effect.provide(config))
        yield* Effect.forEach(Array.from({ length: 40 }, (_, i) => entry(i + 1)), appendAuditEntry, { discard: true })
        const sealingA = yield* Effect.forkScoped(runSealer(first, { sealSize: 10, sealEveryMs: 100 }))
        yield* sealedUpTo(40)
        yield* Fiber.interrupt(sealingA)

        // `wt audit rotate-key`, then the service's start with the new key file: the rotation is announced.
        const rotated = yield* wt("audit", "rotate-key")
        assert.strictEqual(rotated.code, 0, rotated.stdout + rotated.stderr)
        const second = sealKeyFromPem(readFileSync(keyFile, "utf8"))
        assert.notStrictEqual(second.keyId, first.keyId)
        assert.include(rotated.stdout, `${first.keyId} → ${second.keyId}`)
        yield* publishSigningKey(second).pipe(Effect.provide(config))
        const rotations = yield* readKeyRotations
        assert.deepStrictEqual(rotations.map((r) => [r.previousKeyId, r.keyId, r.effectiveFromSeq]), [[first.keyId, second.keyId, 41]])
        // Announced once, however often the service starts.
        yield* publishSigningKey(second).pipe(Effect.provide(config))
        assert.strictEqual((yield* readKeyRotations).length, 1)
        yield* Effect.forEach(Array.from({ length: 30 }, (_, i) => entry(41 + i)), appendAuditEntry, { discard: true })
        yield* Effect.forkScoped(runSealer(second, { sealSize: 10, sealEveryMs: 100 }))
        yield* sealedUpTo(70)

        // Pinned to the first key alone (a file, or its fingerprint in configuration): intact, the new key through the announcement.
        const firstPem = join(dir, "first.pem")
        writeFileSync(firstPem, publicKeyPem(first))
        for (const pin of [firstPem, `sha256:${keyFingerprint(first)}`]) {
          const pinned = yield* cliRunner({ ...base, WT_AUDIT_TRUSTED_KEYS: pin, WT_DATA_DIR: join(dir, "elsewhere") }, { unset, timeoutMs: 60_000 })("audit", "verify")
          assert.strictEqual(pinned.code, 0, pinned.stdout + pinned.stderr)
          assert.include(pinned.stdout, "INTACT")
          assert.include(pinned.stdout, `trusted keys: ${first.keyId} (pinned in WT_AUDIT_TRUSTED_KEYS`)
          assert.include(pinned.stdout, `key ${second.keyId}: announced by ${first.keyId} for seals from sequence 41`)
        }
        // The installation's own keys (the new key file and the retired one) by default.
        const own = yield* wt("audit", "verify")
        assert.strictEqual(own.code, 0, own.stdout + own.stderr)
        assert.include(own.stdout, "pinned: this installation's signing keys")

        // No key given and none on this machine: refused, not trusted from the trail.
        const nothing = yield* cliRunner({ ...base, WT_DATA_DIR: join(dir, "elsewhere") }, { unset, timeoutMs: 60_000 })("audit", "verify")
        assert.strictEqual(nothing.code, 1, nothing.stdout + nothing.stderr)
        assert.include(nothing.stderr, "no trusted key")

        // An export, with its keys and the rotation, verifies against the first key alone.
        const file = join(dir, "audit.jsonl")
        const exported = yield* wt("audit", "export", "--out", file)
        assert.strictEqual(exported.code, 0, exported.stdout + exported.stderr)
        const lines = readFileSync(file, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as ExportLine)
        assert.strictEqual(lines.filter((l) => l.type === "rotation").length, 1)
        const exportVerify = (path: string) => cliRunner({ ...base, WT_DATA_DIR: join(dir, "elsewhere") }, { unset, timeoutMs: 60_000 })("audit", "verify", "--file", path, "--public-key", firstPem)
        const honest = yield* exportVerify(file)
        assert.strictEqual(honest.code, 0, honest.stdout + honest.stderr)

        // The forger changes entry 7 and seals the whole export again with a key of their own, carrying that key.
        const forger = generateSealKey()
        const entries = lines.filter((l) => l.type === "entry").map((l) => (l.seq === 7 ? { ...l, text: l.text!.replace("entry 7", "entry 8") } : l))
        const forgedSeals = resealed(entries, forger)
        const forgerKey = { keyId: forger.keyId, algorithm: "Ed25519", publicKeyPem: publicKeyPem(forger), publishedAt: "2026-11-26T03:00:00.000Z" }
        const write = (name: string, extra: ReadonlyArray<ExportLine>) => {
          const path = join(dir, name)
          const out = [
            lines[0]!,
            { type: "key", key: forgerKey },
            ...extra,
            ...forgedSeals.map((seal) => ({ type: "seal", seal })),
            ...entries,
            lines.at(-1)!
          ]
          writeFileSync(path, out.map((l) => JSON.stringify(l)).join("\n") + "\n")
          return path
        }
        write("forged.jsonl", [])
        // The finding: without a pinned key the old verify took the key inside the export, and called the forgery intact.
        const unpinned = yield* cliRunner({ ...base, WT_DATA_DIR: join(dir, "elsewhere") }, { unset, timeoutMs: 60_000 })("audit", "verify", "--file", join(dir, "forged.jsonl"))
        assert.strictEqual(unpinned.code, 1, unpinned.stdout + unpinned.stderr)
        assert.include(unpinned.stderr, "no trusted key")
        assert.notInclude(unpinned.stdout, "INTACT")
        const ownKeyOnly = yield* exportVerify(join(dir, "forged.jsonl"))
        assert.strictEqual(ownKeyOnly.code, 3, ownKeyOnly.stdout + ownKeyOnly.stderr)
        assert.include(ownKeyOnly.stdout, "first bad sequence 1 (seal)")
        assert.include(ownKeyOnly.stdout, `signed with key ${forger.keyId}, which is neither trusted nor announced by a trusted key`)

        // …and also rewrites the real announcement to name their key (keeping the old key's signature),
        // or writes one signed by their own key: neither makes the pinned key vouch for it.
        const real = lines.find((l) => l.type === "rotation")!.rotation as Record<string, unknown>
        const rewritten = { ...real, keyId: forger.keyId, publicKeyPem: publicKeyPem(forger), effectiveFromSeq: 1 }
        const selfSigned = makeKeyRotation({ previous: forger, next: forger, stream: "WT_AUDIT", effectiveFromSeq: 1, rotatedAt: "2026-11-26T03:00:00.000Z" })
        for (const [name, rotation] of [["rewritten", rewritten], ["self-signed", selfSigned]] as const) {
          const result = yield* exportVerify(write(`forged-${name}.jsonl`, [{ type: "rotation", rotation }]))
          assert.strictEqual(result.code, 3, `${name}: ${result.stdout}${result.stderr}`)
          assert.include(result.stdout, "first bad sequence 1 (seal)", name)
          assert.include(result.stdout, `a key rotation announcing ${forger.keyId}`, name)
          assert.include(result.stdout, "is not trusted", name)
        }
      }).pipe(Effect.provideService(References.MinimumLogLevel, "Warn")), 240_000)
  })
})
