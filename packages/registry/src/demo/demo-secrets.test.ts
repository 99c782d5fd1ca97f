import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Redacted } from "effect"
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { demoResponderTokens, demoSecrets, saveDemoResponderTokens } from "./demo-secrets.ts"

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

  it.effect("keep the demo's responder tokens beside the ingest key and password, private, without changing those", () =>
    Effect.gen(function*() {
      const dataDir = yield* tempDir
      assert.deepStrictEqual(Redacted.value(yield* demoResponderTokens({ dataDir })), {})
      const secrets = yield* demoSecrets({ dataDir }).pipe(withEnv({}))
      const tokens = { "member:team-nord-m1": "rsp_one", "contact:res-0001:1": "rsp_two" }
      yield* saveDemoResponderTokens({ dataDir, tokens: Redacted.make(tokens) })
      assert.deepStrictEqual(Redacted.value(yield* demoResponderTokens({ dataDir })), tokens)
      const after = yield* demoSecrets({ dataDir }).pipe(withEnv({}))
      assert.strictEqual(Redacted.value(after.ingestKey), Redacted.value(secrets.ingestKey))
      assert.strictEqual(Redacted.value(after.password), Redacted.value(secrets.password))
      const file = join(dataDir, "demo-secrets.json")
      assert.strictEqual(statSync(file).mode & 0o777, 0o600)
      assert.deepStrictEqual(JSON.parse(readFileSync(file, "utf8")).responderDevices, tokens)
      // With the secrets from the environment there may be no file yet: one is made, and later read by demoSecrets.
      const fresh = join(dataDir, "fresh")
      yield* saveDemoResponderTokens({ dataDir: fresh, tokens: Redacted.make(tokens) })
      assert.deepStrictEqual(Redacted.value(yield* demoResponderTokens({ dataDir: fresh })), tokens)
      assert.match(Redacted.value((yield* demoSecrets({ dataDir: fresh }).pipe(withEnv({}))).ingestKey), /^wt_demo_/)
    }))
})
