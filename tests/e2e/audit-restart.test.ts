import { afterAll, expect, layer } from "@effect/vitest"
import { verifyAuditTrail } from "@wt/audit-chain"
import { readLastSeal, readPublishedKeys, readSeals, readStreamRange, streamBounds, verifyingKeys } from "@wt/audit-log"
import { Streams } from "@wt/contracts"
import { Effect, Fiber, Option } from "effect"
import { execFile } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { alarmDevice, pendantAlarm } from "../support/events.ts"
import { eventually, postJson, request } from "../support/http.ts"
import { E2ESystem } from "../support/system.ts"

const keyDir = mkdtempSync(join(tmpdir(), "wt-e2e-audit-key-"))
afterAll(() => rmSync(keyDir, { recursive: true, force: true }))
const cli = new URL("../../packages/cli/src/main.ts", import.meta.url).pathname

const Env = E2ESystem.layerWithNatsAnd({
  env: { WT_AUDIT_SEAL_SIZE: "40", WT_AUDIT_SEAL_INTERVAL: "200 millis", WT_AUDIT_KEY_FILE: join(keyDir, "ed25519.pem") }
})

layer(Env, { excludeTestServices: true, timeout: "180 seconds" })("audit service killed mid-load", (it) => {
  it.effect("SIGKILL and restart while alarms arrive: every entry sealed once, no gap, the trail verifies", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const events = Array.from({ length: 300 }, (_, i) => pendantAlarm(alarmDevice(10 + (i % 150)).deviceId))
      const batches = Array.from({ length: 15 }, (_, i) => events.slice(i * 20, (i + 1) * 20))
      const posting = yield* Effect.forkChild(
        Effect.forEach(batches, (batch) => postJson(`${sys.ingestUrl}/v1/events`, batch, { authorization: `Bearer ${sys.ingestKey}` }), { concurrency: 1 })
      )
      yield* eventually(Effect.map(readLastSeal(), Option.getOrUndefined), 20_000, 20)
      const entriesAtKill = (yield* streamBounds(Streams.audit)).lastSeq
      yield* sys.services.audit.kill("SIGKILL")
      yield* sys.services.audit.restart
      const answers = yield* Fiber.join(posting)
      expect(answers.every((a) => a.status === 202)).toBe(true)

      // Settled: every device event has its entry, the stream stopped growing, and the last seal reaches its end.
      const lastSeq = yield* eventually(
        Effect.gen(function*() {
          const before = yield* streamBounds(Streams.audit)
          const sealed = Option.match(yield* readLastSeal(), { onNone: () => 0, onSome: (s) => s.seal.toSeq })
          yield* Effect.sleep("600 millis")
          const after = yield* streamBounds(Streams.audit)
          return after.lastSeq === before.lastSeq && after.messages >= events.length && sealed === after.lastSeq ? after.lastSeq : undefined
        }),
        60_000,
        100
      )

      // The kill came while the load was still arriving.
      expect(lastSeq).toBeGreaterThan(entriesAtKill)
      const seals = yield* readSeals
      expect(seals[0]?.fromSeq).toBe(1)
      seals.forEach((s, i) => i > 0 && expect(s.fromSeq).toBe(seals[i - 1]!.toSeq + 1))
      expect(seals.reduce((n, s) => n + s.count, 0)).toBe(lastSeq)
      const entries: Array<{ seq: number; bytes: Uint8Array }> = []
      yield* readStreamRange({ stream: Streams.audit, onMessage: (m) => entries.push({ seq: m.seq, bytes: m.data }) })
      const published = yield* readPublishedKeys
      expect(published).toHaveLength(1)
      expect(verifyAuditTrail(entries, seals, { keys: verifyingKeys(published) })).toMatchObject({ _tag: "Intact", sealedEntries: lastSeq, unsealedEntries: 0 })

      // The service serves the key it signs with; the CLI, configured as the installation is (its key file), verifies the live stream against it.
      const served = yield* request<{ keyId: string }>(`http://127.0.0.1:${sys.services.ports.audit}/audit/public-key`)
      expect(served.body.keyId).toBe(published[0]!.keyId)
      const verified = yield* Effect.callback<{ code: number; stdout: string }>((resume) => {
        execFile(process.execPath, [cli, "audit", "verify"], { env: { ...process.env, ...sys.natsEnv("cli"), WT_DATA_DIR: keyDir, WT_AUDIT_KEY_FILE: join(keyDir, "ed25519.pem") } }, (error, stdout) =>
          resume(Effect.succeed({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout })))
      })
      expect(verified.code).toBe(0)
      expect(verified.stdout).toContain(`INTACT: WT_AUDIT (live), entries 1–${lastSeq}`)
    }))
})
