import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { basename, dirname, join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { type BundleSpec, serviceBundle } from "./service-bundle.ts"

/** A service of two modules, a worker started by URL, and a page read beside its code. */
const fixture = (): BundleSpec => {
  const serviceDir = mkdtempSync(join(tmpdir(), "wt-bundle-"))
  mkdirSync(join(serviceDir, "src"))
  writeFileSync(join(serviceDir, "src", "greeting.ts"), `export const greeting: string = ["fir", "st"].join("")\n`)
  writeFileSync(
    join(serviceDir, "src", "main.ts"),
    [
      `import { readFileSync } from "node:fs"`,
      `import { greeting } from "./greeting.ts"`,
      `const page = readFileSync(new URL("./page.html", import.meta.url), "utf8").trim()`,
      `console.log(JSON.stringify({ greeting, page }))`
    ].join("\n")
  )
  writeFileSync(join(serviceDir, "src", "worker.ts"), `import { greeting } from "./greeting.ts"\nconsole.log("worker " + greeting)\n`)
  writeFileSync(join(serviceDir, "src", "page.html"), "<p>fallback</p>\n")
  return { serviceDir, entries: { main: "src/main.ts", worker: "src/worker.ts" }, assets: ["src/page.html"] }
}

const run = (entry: string) => execFileSync(process.execPath, [entry], { encoding: "utf8" }).trim()

const withFixture = <A, E>(body: (spec: BundleSpec) => Effect.Effect<A, E>) =>
  Effect.acquireUseRelease(
    Effect.sync(fixture),
    body,
    (spec) => Effect.sync(() => rmSync(spec.serviceDir, { recursive: true, force: true }))
  )

describe("a service's bundle", () => {
  it.effect("runs as its sources do, with its worker module and its page beside it", () =>
    withFixture(Effect.fn(function*(spec) {
      const bundle = yield* serviceBundle(spec)
      expect(bundle.built).toBe(true)
      expect(bundle.entry.endsWith(".mjs")).toBe(true)
      expect(JSON.parse(run(bundle.entry))).toEqual({ greeting: "first", page: "<p>fallback</p>" })
      expect(run(join(dirname(bundle.entry), "worker.mjs"))).toBe("worker first")
      // The map lets `node --enable-source-maps` point a stack trace at the .ts line.
      expect(JSON.parse(readFileSync(`${bundle.entry}.map`, "utf8")).sources.some((s: string) => s.endsWith("src/main.ts"))).toBe(true)
    })))

  it.effect("is built again only when a source changed, and a start meanwhile keeps the build it began with", () =>
    withFixture(Effect.fn(function*(spec) {
      const first = yield* serviceBundle(spec)
      const again = yield* serviceBundle(spec)
      expect(again).toEqual({ entry: first.entry, built: false })

      writeFileSync(join(spec.serviceDir, "src", "greeting.ts"), `export const greeting: string = ["second", "edited"].join(", ")\n`)
      const edited = yield* serviceBundle(spec)
      expect(edited.built).toBe(true)
      expect(edited.entry).not.toBe(first.entry)
      expect(JSON.parse(run(edited.entry)).greeting).toBe("second, edited")
      // A process started from the first build may still load its worker from it.
      expect(existsSync(join(dirname(first.entry), "worker.mjs"))).toBe(true)
      // `dist/current` names the newest build, for starting a service by hand.
      expect(JSON.parse(run(join(spec.serviceDir, "dist", "current", "main.mjs"))).greeting).toBe("second, edited")
    })))

  it.effect("leaves one build, and nothing half-built, when processes start together", () =>
    withFixture(Effect.fn(function*(spec) {
      const bundles = yield* Effect.all([serviceBundle(spec), serviceBundle(spec), serviceBundle(spec)], { concurrency: "unbounded" })
      expect(new Set(bundles.map((b) => b.entry)).size).toBe(1)
      expect(readdirSync(join(spec.serviceDir, "dist")).sort()).toEqual([basename(dirname(bundles[0]!.entry)), "current"].sort())
    })))

  it.effect("that cannot be built fails with the bundler's reason", () =>
    withFixture(Effect.fn(function*(spec) {
      writeFileSync(join(spec.serviceDir, "src", "greeting.ts"), `export const greeting: string = (\n`)
      const failure = yield* Effect.flip(serviceBundle(spec))
      expect(failure._tag).toBe("ServiceBundleFailed")
      expect(failure.message).toContain("greeting.ts")
    })))
})
