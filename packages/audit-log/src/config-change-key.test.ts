import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Redacted } from "effect"
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { loadAuditFieldKey } from "./config-change-key.ts"

const withEnv = (env: Record<string, string>) => Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env)))

const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "wt-field-key-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

describe("the audit field key", () => {
  it.effect("is generated into the data directory on first start (0600), and the same key is read after", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const first = yield* loadAuditFieldKey().pipe(withEnv({ WT_DATA_DIR: dir }))
      const file = join(dir, "audit", "field-hmac.key")
      expect(statSync(file).mode & 0o777).toBe(0o600)
      expect(readFileSync(file, "utf8").trim()).toMatch(/^[0-9a-f]{64}$/u)
      const second = yield* loadAuditFieldKey().pipe(withEnv({ WT_DATA_DIR: dir }))
      expect(second.keyId).toBe(first.keyId)
      expect(Redacted.value(second.secret).equals(Redacted.value(first.secret))).toBe(true)
      // Printed or logged by mistake, the key shows nothing.
      expect(String(first.secret)).not.toContain(readFileSync(file, "utf8").trim().slice(0, 8))
    }).pipe(Effect.scoped))

  it.effect("WT_AUDIT_FIELD_KEY wins over the file and must be long enough; a damaged file is an error, not a new key", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const fromEnv = yield* loadAuditFieldKey().pipe(withEnv({ WT_DATA_DIR: dir, WT_AUDIT_FIELD_KEY: "a".repeat(64) }))
      const again = yield* loadAuditFieldKey().pipe(withEnv({ WT_DATA_DIR: join(dir, "other"), WT_AUDIT_FIELD_KEY: "a".repeat(64) }))
      expect(again.keyId).toBe(fromEnv.keyId)
      const short = yield* Effect.flip(loadAuditFieldKey().pipe(withEnv({ WT_DATA_DIR: dir, WT_AUDIT_FIELD_KEY: "too short" })))
      expect(short.message).toContain("at least 32 characters")
      const file = join(dir, "damaged.key")
      writeFileSync(file, "not hex\n", { mode: 0o600 })
      const damaged = yield* Effect.flip(loadAuditFieldKey().pipe(withEnv({ WT_AUDIT_FIELD_KEY_FILE: file })))
      expect(damaged.message).toContain("not a key")
    }).pipe(Effect.scoped))
})
