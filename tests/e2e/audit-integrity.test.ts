import { afterAll, expect, layer } from "@effect/vitest"
import { auditFieldKeyOf, fieldMac, readLastSeal, SealStream, streamBounds } from "@wt/audit-log"
import { parseAnchorLines } from "@wt/audit-chain"
import { AuditEntry, Streams, Subjects } from "@wt/contracts"
import { Nats, readSubject } from "@wt/nats"
import { Effect, Option, Schema } from "effect"
import { execFile } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { dictionaryAttack } from "../../packages/audit-log/src/config-change-attack.fixture.ts"
import { alarmDevice, pendantAlarm } from "../support/events.ts"
import { bearer, eventually, postJson, request, signIn } from "../support/http.ts"
import { asNatsUser, E2ESystem } from "../support/system.ts"

// What the CLI finds as the data directory: the audit service's key, anchors and field key live here.
const dataDir = mkdtempSync(join(tmpdir(), "wt-e2e-audit-integrity-"))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))
mkdirSync(join(dataDir, "audit"), { recursive: true, mode: 0o700 })
const anchorsFile = join(dataDir, "audit", "anchors.jsonl")
const fieldKeyFile = join(dataDir, "audit", "field-hmac.key")
// Stands in for an external timestamping or write-once store.
const wormFile = join(dataDir, "worm.jsonl")
const anchorCommand = `cat >> '${wormFile}'`
const cli = new URL("../../packages/cli/src/main.ts", import.meta.url).pathname

const Env = E2ESystem.layerWithNatsAnd({
  env: {
    WT_AUDIT_SEAL_SIZE: "40",
    WT_AUDIT_SEAL_INTERVAL: "200 millis",
    WT_AUDIT_TRAIL_CHECK_INTERVAL: "500 millis",
    WT_AUDIT_KEY_FILE: join(dataDir, "audit", "ed25519.pem"),
    WT_AUDIT_ANCHORS_FILE: anchorsFile,
    WT_AUDIT_ANCHOR_COMMAND: anchorCommand,
    WT_AUDIT_FIELD_KEY_FILE: fieldKeyFile
  }
})

const decodeEntry = Schema.decodeUnknownSync(Schema.fromJsonString(AuditEntry))

/** `pnpm wt …` as a supervisor runs it on the machine: the data directory found by WT_DATA_DIR, NATS by NATS_URL, as NATS user `cli`. */
const wt = (natsEnv: Record<string, string>, ...args: ReadonlyArray<string>) =>
  Effect.callback<{ code: number; stdout: string; stderr: string }>((resume) => {
    const env: Record<string, string | undefined> = { ...process.env, ...natsEnv, WT_DATA_DIR: dataDir, WT_AUDIT_ANCHOR_COMMAND: anchorCommand }
    for (const name of ["WT_AUDIT_ANCHORS_FILE", "WT_AUDIT_KEY_FILE", "DATABASE_URL"]) delete env[name]
    execFile(process.execPath, [cli, ...args], { env, timeout: 60_000 }, (error, stdout, stderr) =>
      resume(Effect.succeed({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr })))
  })

const sealedUpTo = Effect.map(readLastSeal(), Option.match({ onNone: () => 0, onSome: (s) => s.seal.toSeq }))

/** Until the trail stops growing and its last seal reaches its end. */
const settled = eventually(
  Effect.gen(function*() {
    const before = yield* streamBounds(Streams.audit)
    const sealed = yield* sealedUpTo
    yield* Effect.sleep("600 millis")
    const after = yield* streamBounds(Streams.audit)
    return after.lastSeq > 0 && after.lastSeq === before.lastSeq && sealed === after.lastSeq ? after.lastSeq : undefined
  }),
  60_000,
  100
)

/**
 * The attack on the trail itself: a NATS client deletes a stream and creates it again, empty, with its
 * old settings. Only the `provision` user may (packages/nats/src/users.test.ts), so the
 * attacker here holds its keys.
 */
const deleteAndRecreate = (stream: string) =>
  Effect.gen(function*() {
    const nats = yield* Nats
    const { config } = yield* Effect.orDie(nats.streamInfo(stream))
    yield* Effect.orDie(nats.deleteStream(stream))
    yield* Effect.orDie(nats.addStream(config))
  }).pipe(asNatsUser("provision"))

const resident = (code: string, dementia: boolean) => ({
  tenant: "demo",
  displayName: "Ragnhild Prøvesen",
  birthYear: 1937,
  language: "nb",
  addresses: [{ kind: "home", street: "Fjordgata 14", postcode: "9900", city: "Fjordvik", lat: 69.7, lon: 30.0 }],
  healthNotes: ["Insulin-dependent diabetes"],
  mobility: "walking_aid",
  keyAccess: { kind: "key_safe", code },
  dementia,
  responsePlanId: "plan-dementia"
})

layer(Env, { excludeTestServices: true, timeout: "240 seconds" })("audit integrity (issue 25)", (it) => {
  it.effect("a resident's key-safe code and dementia, changed by an admin, cannot be recovered from the trail by the dictionary that worked", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const token = yield* signIn(sys.consoleUrl, "admin", sys.password)
      const put = (body: unknown) =>
        request(`${sys.consoleUrl}/api/admin/residents/res-e2e-key`, { method: "PUT", headers: { "content-type": "application/json", ...bearer(token) }, body: JSON.stringify(body) })
      expect((yield* put(resident("4821", false))).status).toBe(204)
      expect((yield* put(resident("1234", true))).status).toBe(204)

      const changes = yield* eventually(
        Effect.map(readSubject(Streams.audit, Subjects.audit("demo", "config_change")), (ms) => {
          const mine = ms.map((m) => decodeEntry(new TextDecoder().decode(m.data))).filter((e) => e.subject.residentId === "res-e2e-key")
          return mine.length === 2 ? mine : undefined
        }),
        10_000
      )
      const trailText = changes.map((e) => JSON.stringify(e)).join("\n")
      expect(dictionaryAttack(trailText)).toEqual([])
      // No unkeyed digest of the old format ("sha256:…") is left.
      expect(trailText).not.toContain(`"sha256:`)
      // Not in the trail as text; the keyed digests are random hex and may hold "4821" by chance, so they are left out of this look.
      const withoutDigests = trailText.replace(/hmac-sha256:[0-9a-f]{64}/gu, "hmac-sha256:…")
      for (const secret of ["4821", "1234", "Ragnhild", "Fjordgata", "Insulin"]) expect(withoutDigests).not.toContain(secret)
      expect(changes[1]!.data).toMatchObject({ fields: ["dementia", "keyAccess"], changedOnly: ["dementia", "keyAccess"], values: "hmac-sha256", before: {}, after: {} })

      // The key is outside the trail, in the data directory; whoever holds it can check a value against the registry.
      const key = auditFieldKeyOf(Buffer.from(readFileSync(fieldKeyFile, "utf8").trim(), "hex"))
      expect(changes[0]!.data).toMatchObject({
        created: true,
        fieldKeyId: key.keyId,
        after: { displayName: fieldMac(key, { tenant: "demo", entity: "resident", entityId: "res-e2e-key" }, "displayName", "Ragnhild Prøvesen") }
      })
    }))

  it.effect("the trail and its seals deleted and re-created by a NATS client: wt audit verify says NOT INTACT, the audit service alerts and seals nothing over it until acknowledged", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const metrics = `http://127.0.0.1:${sys.services.ports.audit}/metrics`
      const events = Array.from({ length: 60 }, (_, i) => pendantAlarm(alarmDevice(10 + (i % 30)).deviceId))
      expect((yield* postJson(`${sys.ingestUrl}/v1/events`, events, bearer(sys.ingestKey))).status).toBe(202)
      const lastSeq = yield* settled

      const before = yield* wt(sys.natsEnv("cli"), "audit", "verify")
      expect(before.code, before.stdout + before.stderr).toBe(0)
      expect(before.stdout).toContain(`INTACT: WT_AUDIT (live), entries 1–${lastSeq}`)
      expect(before.stdout).toContain("pinned: this installation's signing keys")
      expect(before.stdout).toMatch(new RegExp(`anchors: all \\d+ in ${anchorsFile} hold \\(newest: entries up to ${lastSeq} sealed`, "u"))
      // Every seal anchored in the data directory, the newest also handed to the outside store.
      const anchored = parseAnchorLines(readFileSync(anchorsFile, "utf8")).records
      expect(anchored.at(-1)).toMatchObject({ type: "seal", stream: "WT_AUDIT", toSeq: lastSeq })
      yield* eventually(Effect.sync(() => (existsSync(wormFile) && parseAnchorLines(readFileSync(wormFile, "utf8")).records.some((r) => r.type === "seal" && r.toSeq === lastSeq)) || undefined), 10_000)
      const publicKey = join(dataDir, "served-key.json")
      writeFileSync(publicKey, JSON.stringify((yield* request(`http://127.0.0.1:${sys.services.ports.audit}/audit/public-key`)).body))

      yield* deleteAndRecreate(Streams.audit)
      yield* deleteAndRecreate(SealStream.name)
      // The system goes on: new events, new entries in the new trail.
      expect((yield* postJson(`${sys.ingestUrl}/v1/events`, events.slice(0, 5).map((e) => ({ ...e, id: crypto.randomUUID() })), bearer(sys.ingestKey))).status).toBe(202)
      const newEntries = yield* eventually(Effect.map(streamBounds(Streams.audit), (b) => (b.lastSeq >= 5 ? b.lastSeq : undefined)), 15_000)

      // The audit service: the gauge, an error naming what it found, and no seal over the new trail.
      yield* eventually(Effect.map(request<string>(metrics), (a) => /^wt_audit_trail_broken(\{[^}]*\})? 1$/mu.test(String(a.body)) || undefined), 15_000, 200)
      // The service may look between the two deletions and report the trail alone first; it reports
      // again when its findings change (within its 5 s check), and that report names both.
      const alert = yield* eventually(
        Effect.sync(() => sys.logs.find((l) => l.startsWith("audit |") && l.includes("audit trail broken") && l.includes("the seal stream holds no seal"))),
        15_000
      )
      expect(alert).toContain("WT_AUDIT was re-created")
      expect(alert).toContain(`the entries 1–${lastSeq} sealed then are gone`)
      expect(alert).toContain("the seal stream holds no seal")
      expect(alert).toContain("wt audit acknowledge")
      yield* Effect.sleep("2 seconds")
      expect(yield* sealedUpTo).toBe(0)
      expect(String((yield* request<string>(metrics)).body)).toMatch(/^wt_audit_trail_breaks_total(\{[^}]*\})? 1$/mu)

      // The verifier: not intact, naming the entries that are gone, with the default pinned key and with the served one.
      for (const args of [["audit", "verify"], ["audit", "verify", "--public-key", publicKey]]) {
        const verdict = yield* wt(sys.natsEnv("cli"), ...args)
        expect(verdict.code, `${args.join(" ")}: ${verdict.stdout}${verdict.stderr}`).toBe(3)
        expect(verdict.stdout).toContain("NOT INTACT: first bad sequence 1 (removed) in WT_AUDIT (live)")
        expect(verdict.stdout).toContain(`entries 1–${lastSeq} are missing`)
        expect(verdict.stdout).toContain("its seal stream holds no seals")
      }

      // An operator decides to go on with the trail as it now is: sealing resumes, verify passes and keeps saying what was lost.
      const ack = yield* wt(sys.natsEnv("cli"), "audit", "acknowledge", "--reason", "e2e: trail deleted on purpose")
      expect(ack.code, ack.stdout + ack.stderr).toBe(0)
      yield* eventually(Effect.map(sealedUpTo, (n) => (n >= newEntries ? n : undefined)), 20_000, 200)
      expect(String((yield* request<string>(metrics)).body)).toMatch(/^wt_audit_trail_broken(\{[^}]*\})? 0$/mu)
      const after = yield* wt(sys.natsEnv("cli"), "audit", "verify")
      expect(after.code, after.stdout + after.stderr).toBe(0)
      expect(after.stdout).toContain(`entries up to ${lastSeq} sealed before that are not in this trail`)
      // The outside store was told of the acknowledgment too.
      expect(parseAnchorLines(readFileSync(wormFile, "utf8")).records.some((r) => r.type === "acknowledged" && r.reason === "e2e: trail deleted on purpose")).toBe(true)
    }))
})
