import { readFileSync } from "node:fs"
import { join, relative, resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { sourceFiles, specifiers } from "./source-files.ts"

/**
 * The NATS client (nats.js, `@nats-io/*`) stays inside `@wt/nats`: services and packages ask
 * `Nats` for typed operations, and `Nats` has no client objects to hand out. The only files
 * outside that import the client are measurements and fault tools that must look below what the
 * services do, each named here with why.
 */
const root = resolve(import.meta.dirname, "../..")
const allowed: Record<string, string> = {
  "tests/bench/audit-fixture.ts": "fills the trail with core publishes, faster than the services can, to time verification",
  "tests/bench/nats-fast-paths.ts": "times the client's own paths against @wt/nats's fast paths",
  "tests/faults/ledger.ts": "reads whole streams with ordered consumers to count what was stored (the client comes through use)",
  "tests/faults/faults.ts": "asks which node leads a stream, to fault that node",
  "tests/faults/expected-seq-race.ts": "races two conditional publishes on the raw client, to show what the server does"
}

describe("the NATS client stays inside @wt/nats", () => {
  it("no source outside packages/nats imports @nats-io/*, but the named measurements and fault tools", () => {
    const files = ["packages", "services", "simulators", "tests", "contracts", "deploy"]
      .flatMap((dir) => sourceFiles(join(root, dir)))
      .filter((file) => !file.startsWith(join(root, "packages/nats") + "/"))
    expect(files.length).toBeGreaterThan(200)
    const found = files
      .filter((file) => specifiers(readFileSync(file, "utf8")).some((s) => s.startsWith("@nats-io/")))
      .map((file) => relative(root, file))
    expect(found.sort()).toEqual(Object.keys(allowed).sort())
  })
})
