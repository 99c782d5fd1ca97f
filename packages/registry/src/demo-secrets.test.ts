import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Redacted } from "effect"
import { mkdtempSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { demoSecrets } from "./demo-secrets.ts"

const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "wt-secrets-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)
const withEnv = (env: Record<string, string>) => Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env })))

describe("demo secrets", () => {
  it.effect("are generated once, kept private on disk, and the same after a restart", () =>
    Effect.gen(function*() {
      const dataDir = yield* tempDir
      const first = yield* demoSecrets({ dataDir }).pipe(withEnv({}))
      const second = yield* demoSecrets({ dataDir }).pipe(withEnv({}))
      assert.strictEqual(Redacted.value(second.ingestKey), Redacted.value(first.ingestKey))
      assert.strictEqual(Redacted.value(second.password), Redacted.value(first.password))
      assert.isAtLeast(Redacted.value(first.password).length, 16)
      assert.strictEqual(statSync(join(dataDir, "demo-secrets.json")).mode & 0o777, 0o600)
      // Another data directory gets its own secrets: nothing is hard-coded.
      const other = yield* demoSecrets({ dataDir: join(dataDir, "other") }).pipe(withEnv({}))
      assert.notStrictEqual(Redacted.value(other.ingestKey), Redacted.value(first.ingestKey))
    }))

  it.effect("come from WT_DEMO_INGEST_KEY and WT_DEMO_PASSWORD when set", () =>
    Effect.gen(function*() {
      const dataDir = yield* tempDir
      const secrets = yield* demoSecrets({ dataDir }).pipe(
        withEnv({ WT_DEMO_INGEST_KEY: "key-from-env", WT_DEMO_PASSWORD: "password-from-env" })
      )
      assert.strictEqual(Redacted.value(secrets.ingestKey), "key-from-env")
      assert.strictEqual(Redacted.value(secrets.password), "password-from-env")
      const onlyPassword = yield* demoSecrets({ dataDir }).pipe(withEnv({ WT_DEMO_PASSWORD: "password-from-env" }))
      assert.strictEqual(Redacted.value(onlyPassword.password), "password-from-env")
      assert.match(Redacted.value(onlyPassword.ingestKey), /^wt_demo_/)
    }))
})
