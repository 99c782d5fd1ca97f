import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, References } from "effect"
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { execFile } from "node:child_process"
import { loadOrCreateSigningKey } from "./signing-key.ts"

const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "wt-audit-key-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

const quiet = Effect.provideService(References.MinimumLogLevel, "Error")

describe("seal signing key", () => {
  it.effect("is generated on first start as an owner-only file and read back unchanged afterwards", () =>
    Effect.gen(function*() {
      const file = join(yield* tempDir, "audit", "ed25519.pem")
      const created = yield* loadOrCreateSigningKey(file)
      assert.strictEqual(statSync(file).mode & 0o777, 0o600)
      assert.strictEqual(statSync(join(file, "..")).mode & 0o777, 0o700)
      assert.match(readFileSync(file, "utf8"), /^-----BEGIN PRIVATE KEY-----/)
      const again = yield* loadOrCreateSigningKey(file)
      assert.strictEqual(again.keyId, created.keyId)
    }).pipe(quiet))

  it.effect("copies starting together, as separate processes, agree on one key", () =>
    Effect.gen(function*() {
      const file = join(yield* tempDir, "audit", "ed25519.pem")
      const module = new URL("./signing-key.ts", import.meta.url).href
      const script = `import { Effect } from "effect"; import { loadOrCreateSigningKey } from ${JSON.stringify(module)};
        const key = await Effect.runPromise(loadOrCreateSigningKey(${JSON.stringify(file)})); console.log(key.keyId)`
      const keyIds = yield* Effect.forEach(
        Array.from({ length: 4 }),
        () =>
          Effect.callback<string>((resume) => {
            execFile(process.execPath, ["--input-type=module", "-e", script], { cwd: import.meta.dirname }, (error, stdout, stderr) => {
              // The last line: the one that created the key also logs that it did.
              resume(error === null ? Effect.succeed(stdout.trim().split("\n").at(-1) ?? "") : Effect.die(new Error(stderr)))
            })
          }),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(keyIds.length, 4)
      assert.match(keyIds[0]!, /^[0-9a-f]{16}$/)
      assert.strictEqual(new Set(keyIds).size, 1)
      assert.strictEqual((yield* loadOrCreateSigningKey(file)).keyId, keyIds[0])
    }).pipe(quiet))

  it.effect("a key file readable by others is narrowed to 0600; a file that is not a key is refused", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = join(dir, "ed25519.pem")
      yield* loadOrCreateSigningKey(file)
      chmodSync(file, 0o644)
      yield* loadOrCreateSigningKey(file)
      assert.strictEqual(statSync(file).mode & 0o777, 0o600)

      const junk = join(dir, "junk.pem")
      writeFileSync(junk, "not a key", { mode: 0o600 })
      const exit = yield* Effect.exit(loadOrCreateSigningKey(junk))
      assert.isTrue(Exit.isFailure(exit))
    }).pipe(quiet))
})
