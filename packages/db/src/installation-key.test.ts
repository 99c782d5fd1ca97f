import { describe, expect, it } from "@effect/vitest"
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ConfigProvider, Effect, Exit } from "effect"
import { InstallationKeyConfig, loadInstallationKey } from "./installation-key.ts"

const sourceOf = (env: Record<string, string>) => InstallationKeyConfig.parse(ConfigProvider.fromEnv({ env }))

describe("the installation key", () => {
  it.effect("is generated in the data directory on first use, mode 0600, and the same key is read back by every later process", () =>
    Effect.gen(function*() {
      const dataDir = mkdtempSync(join(tmpdir(), "wt-key-"))
      try {
        const first = yield* loadInstallationKey(yield* sourceOf({ WT_DATA_DIR: dataDir }))
        const file = join(dataDir, "secrets", "installation.key")
        expect(statSync(file).mode & 0o777).toBe(0o600)
        expect(statSync(join(dataDir, "secrets")).mode & 0o777).toBe(0o700)
        expect(readFileSync(file, "utf8").trim()).toMatch(/^[0-9a-f]{64}$/)
        // Another process (no memo): the file, not a new key.
        const again = yield* loadInstallationKey({ ...(yield* sourceOf({ WT_DATA_DIR: dataDir })), file: join(dataDir, "secrets", ".", "installation.key") })
        expect(again.keyId).toBe(first.keyId)
      } finally {
        rmSync(dataDir, { recursive: true, force: true })
      }
    }))

  it.effect("WT_INSTALLATION_KEY wins over the file; a key that is not 32 bytes of hex stops the service with the reason", () =>
    Effect.gen(function*() {
      const hex = "ab".repeat(32)
      const a = yield* loadInstallationKey(yield* sourceOf({ WT_INSTALLATION_KEY: hex, WT_DATA_DIR: "/nonexistent" }))
      const b = yield* loadInstallationKey(yield* sourceOf({ WT_INSTALLATION_KEY: hex.toUpperCase() }))
      expect(a.keyId).toBe(b.keyId)
      const short = yield* Effect.exit(loadInstallationKey(yield* sourceOf({ WT_INSTALLATION_KEY: "secret" })))
      expect(Exit.isFailure(short) && String(short.cause)).toContain("64 hex digits")
    }))

  it.effect("a key file readable by others is narrowed to 0600; one that is not a key is refused", () =>
    Effect.gen(function*() {
      const dataDir = mkdtempSync(join(tmpdir(), "wt-key-"))
      try {
        const file = join(dataDir, "k1")
        writeFileSync(file, `${"cd".repeat(32)}\n`, { mode: 0o644 })
        yield* loadInstallationKey(yield* sourceOf({ WT_INSTALLATION_KEY_FILE: file }))
        expect(statSync(file).mode & 0o777).toBe(0o600)
        const bad = join(dataDir, "k2")
        writeFileSync(bad, "not a key\n", { mode: 0o600 })
        const refused = yield* Effect.exit(loadInstallationKey(yield* sourceOf({ WT_INSTALLATION_KEY_FILE: bad })))
        expect(Exit.isFailure(refused) && String(refused.cause)).toContain("32 bytes in hex")
      } finally {
        rmSync(dataDir, { recursive: true, force: true })
      }
    }))
})
