import { assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

/**
 * The fast paths in this folder were written against, and measured with, these versions of the
 * nats.js client: write-coalescing.ts replaces a private method of its protocol handler, and the
 * others stand in for parts of it whose cost was measured. A new version must be taken on
 * deliberately: check each fast path against it (README.md here), measure again
 * (`pnpm bench nats-fast-paths`), then change the versions here.
 */
const WrittenFor = {
  "@nats-io/jetstream": "3.4.0",
  "@nats-io/kv": "3.4.0",
  "@nats-io/transport-node": "3.4.0",
  "@nats-io/nats-core": "3.4.0"
} as const

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..")

/** Where `name` is installed, as `from` (a package's directory) resolves it. */
const installedAt = (from: string, name: string): string => {
  let dir = dirname(createRequire(join(from, "package.json")).resolve(name))
  while (!dir.endsWith(join("node_modules", ...name.split("/")))) dir = dirname(dir)
  return dir
}
const versionAt = (dir: string) => (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version

describe("the nats.js client the fast paths were written for", () => {
  it("is the version @wt/nats asks for", () => {
    const declared = (JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { dependencies: Record<string, string> }).dependencies
    const asked = Object.fromEntries(Object.entries(declared).filter(([name]) => name.startsWith("@nats-io/")))
    const { "@nats-io/nats-core": _core, ...direct } = WrittenFor
    assert.deepStrictEqual(asked, direct)
  })

  it("is the version installed, its core included", () => {
    const transport = installedAt(packageDir, "@nats-io/transport-node")
    assert.deepStrictEqual(
      {
        "@nats-io/jetstream": versionAt(installedAt(packageDir, "@nats-io/jetstream")),
        "@nats-io/kv": versionAt(installedAt(packageDir, "@nats-io/kv")),
        "@nats-io/transport-node": versionAt(transport),
        "@nats-io/nats-core": versionAt(installedAt(transport, "@nats-io/nats-core"))
      },
      WrittenFor
    )
  })
})
