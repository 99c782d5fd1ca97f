import { readFileSync } from "node:fs"
import { join, relative, resolve, sep } from "node:path"
import { describe, expect, it } from "vitest"
import { sourceFiles, specifiers } from "./source-files.ts"

/**
 * The demo (its fictional fleet, secrets, identities, responders and seeder) lives in
 * packages/registry/src/demo and is reached as `@wt/registry/demo`. Production code does not
 * carry it: no source under packages/ or services/ imports it, except tests and their fixtures
 * and what seeds the demo (the launcher's bootstrap and `wt seed`).
 */

const root = resolve(import.meta.dirname, "../..")
const demoDir = join(root, "packages/registry/src/demo")
const demoSeeding = ["packages/launcher/src/bootstrap.ts", "packages/cli/src/commands/seed.ts"]

const isTestSupport = (file: string) => /(\.test|[.-]testing|[.-]fixture)\.(c|m)?(t|j)sx?$/.test(file) || /(^|[/\\])testing\.(t|j)s$/.test(file)

const isDemo = (file: string, specifier: string) =>
  specifier === "@wt/registry/demo" || specifier.startsWith("@wt/registry/demo/") ||
  (specifier.startsWith(".") && `${resolve(file, "..", specifier)}${sep}`.startsWith(`${demoDir}${sep}`))

describe("the demo stays out of production code", () => {
  it("no source under packages/ or services/ imports a demo module, but tests and what seeds the demo", () => {
    const files = ["packages", "services"].flatMap((dir) => sourceFiles(join(root, dir)))
      .filter((file) => !file.startsWith(`${demoDir}${sep}`) && !isTestSupport(file))
    expect(files.length).toBeGreaterThan(100)
    const found = files
      .filter((file) => specifiers(readFileSync(file, "utf8")).some((s) => isDemo(file, s)))
      .map((file) => relative(root, file))
    expect(found.sort()).toEqual([...demoSeeding].sort())
  })
})
