import { assert, describe, layer } from "@effect/vitest"
import { generateSealKey, privateKeyPem, publicKeyPem } from "@wt/audit-chain"
import { appendAuditEntry, publishSigningKey, readLastSeal, runSealer, SealStream, sealStreamSpec } from "@wt/audit-log"
import { Streams, type AuditEntry } from "@wt/contracts"
import { ensureStream, Nats, natsAuthEnv } from "@wt/nats"
import { eventually, NatsTestServer } from "@wt/nats/testing"
import { Effect, Fiber, Layer, Option, References } from "effect"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { cliRunner, scratchDir } from "./cli-harness.ts"

const Env = Layer.effectDiscard(ensureStream(sealStreamSpec({ replicas: 1 }))).pipe(Layer.provideMerge(NatsTestServer.layerNats))

const entry = (n: number): AuditEntry => ({
  id: `anchors-${n}`,
  tenant: "demo",
  kind: "record_view",
  at: new Date(Date.UTC(2026, 10, 25, 21, 0, n)).toISOString(),
  actor: { kind: "operator", id: `u-${n % 4}` },
  subject: { residentId: `res-${n % 11}` },
  summary: `entry ${n}`,
  data: { n }
})
const append = (from: number, to: number) =>
  Effect.forEach(Array.from({ length: to - from + 1 }, (_, i) => entry(from + i)), appendAuditEntry, { discard: true })

/** As an outside client allowed to manage streams: deleted, and created again empty with the same settings. */
const deleteAndRecreate = (stream: string) =>
  Effect.gen(function*() {
    const nats = yield* Nats
    const { config } = yield* Effect.orDie(nats.streamInfo(stream))
    yield* Effect.orDie(nats.deleteStream(stream))
    yield* Effect.orDie(nats.addStream(config))
  })

const Total = 120

describe("wt audit verify against the anchors", () => {
  layer(Env, { excludeTestServices: true, timeout: 180_000 })((it) => {
    it.effect("a trail deleted and re-created with its seals is NOT INTACT, even with a pinned key; acknowledged, it verifies with a note", () =>
      Effect.gen(function*() {
        const { access, url } = yield* NatsTestServer
        const dataDir = yield* scratchDir("anchors")
        const cli = access("cli")
        const wt = cliRunner({ NATS_URL: url, WT_DATA_DIR: dataDir, ...natsAuthEnv(cli.auth, cli.tls, cli.inboxPrefix) }, { unset: ["DATABASE_URL", "NATS_URL", "WT_AUDIT_ANCHORS_FILE", "WT_AUDIT_KEY_FILE", "WT_AUDIT_ANCHOR_COMMAND"], timeoutMs: 60_000 })
        // The data directory as the audit service leaves it: its signing key and its anchors.
        const key = generateSealKey()
        mkdirSync(join(dataDir, "audit"), { recursive: true })
        writeFileSync(join(dataDir, "audit", "ed25519.pem"), privateKeyPem(key), { mode: 0o600 })
        const anchors = join(dataDir, "audit", "anchors.jsonl")
        const keyFile = join(dataDir, "key.pem")
        writeFileSync(keyFile, publicKeyPem(key))

        yield* publishSigningKey(key)
        yield* append(1, Total)
        const sealer = yield* Effect.forkScoped(runSealer(key, { sealSize: 25, sealEveryMs: 100 }, { file: anchors, checkEveryMs: 200 }))
        yield* eventually(readLastSeal(), (s) => Option.isSome(s) && s.value.seal.toSeq === Total, "the trail sealed")

        const intact = yield* wt("audit", "verify")
        assert.strictEqual(intact.code, 0, intact.stdout + intact.stderr)
        assert.include(intact.stdout, `INTACT: WT_AUDIT (live), entries 1–${Total}`)
        assert.include(intact.stdout, "pinned: this installation's signing keys")
        assert.include(intact.stdout, `anchors: all 5 in ${anchors} hold (newest: entries up to ${Total} sealed`)
        const exportFile = join(dataDir, "before.jsonl")
        assert.strictEqual((yield* wt("audit", "export", "--out", exportFile)).code, 0)
        // The export writes its own entry into the trail; wait until that is sealed and anchored too.
        yield* eventually(readLastSeal(), (s) => Option.isSome(s) && s.value.seal.toSeq === Total + 1, "the export's entry sealed")
        yield* Fiber.interrupt(sealer)

        // The finding: both streams deleted and re-created; the writers go on writing into the new trail.
        yield* deleteAndRecreate(Streams.audit)
        yield* deleteAndRecreate(SealStream.name)
        yield* publishSigningKey(key)
        yield* append(1001, 1004)

        for (const args of [["audit", "verify"], ["audit", "verify", "--public-key", keyFile], ["audit", "verify", "--anchors", anchors]]) {
          const broken = yield* wt(...args)
          assert.strictEqual(broken.code, 3, `${args.join(" ")}: ${broken.stdout}${broken.stderr}`)
          assert.include(broken.stdout, "NOT INTACT: first bad sequence 1 (removed) in WT_AUDIT (live)")
          assert.include(broken.stdout, `entries 1–${Total + 1} are missing`)
          assert.include(broken.stdout, "the stream now ends at 4 and its seal stream holds no seals")
        }
        const json = JSON.parse((yield* wt("audit", "verify", "--json")).stdout)
        assert.deepInclude(json, { intact: false })
        assert.deepInclude(json.verdict, { _tag: "Broken", seq: 1, kind: "removed" })

        // The export taken before still verifies against the anchors written before it; cut short, it does not.
        const exported = yield* wt("audit", "verify", "--file", exportFile, "--anchors", anchors)
        assert.strictEqual(exported.code, 0, exported.stdout + exported.stderr)
        assert.include(exported.stdout, "anchors: all 5 in")
        const lines = readFileSync(exportFile, "utf8").trimEnd().split("\n")
        const cut = lines.filter((l) => !l.includes(`"fromSeq":101,`) && !/"type":"entry","seq":1(0[1-9]|1[0-9]|20),/u.test(l))
        assert.strictEqual(cut.length, lines.length - 21)
        const cutFile = join(dataDir, "cut.jsonl")
        writeFileSync(cutFile, cut.join("\n") + "\n")
        const cutVerdict = yield* wt("audit", "verify", "--file", cutFile, "--anchors", anchors, "--public-key", keyFile)
        assert.strictEqual(cutVerdict.code, 3, cutVerdict.stdout + cutVerdict.stderr)
        assert.include(cutVerdict.stdout, "NOT INTACT: first bad sequence 101 (removed)")
        // Without anchors the cut export passes: what the anchors add.
        assert.strictEqual((yield* wt("audit", "verify", "--file", cutFile, "--public-key", keyFile)).code, 0)

        const missing = yield* wt("audit", "verify", "--anchors", join(dataDir, "nowhere.jsonl"))
        assert.strictEqual(missing.code, 1)
        assert.include(missing.stderr, "no such file")

        // An operator accepts the trail as it now is; verify then passes, and says what was lost.
        const ack = yield* wt("audit", "acknowledge", "--reason", "restored after the test deleted it")
        assert.strictEqual(ack.code, 0, ack.stdout + ack.stderr)
        assert.include(ack.stdout, "was: WT_AUDIT was re-created")
        const after = yield* wt("audit", "verify")
        assert.strictEqual(after.code, 0, after.stdout + after.stderr)
        assert.include(after.stdout, "INTACT: WT_AUDIT (live), entries 1–4")
        assert.match(after.stdout, /NOTE: the trail was restarted deliberately at .* \("restored after the test deleted it"\); entries up to 121 sealed before that are not in this trail/u)
        const again = yield* wt("audit", "acknowledge", "--reason", "once more")
        assert.strictEqual(again.code, 1)
        assert.include(again.stderr, "nothing to acknowledge")
      }).pipe(Effect.provideService(References.MinimumLogLevel, "Warn")), 240_000)
  })
})
