import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { distinctPorts, freePort, portSlotRange } from "./embedded.ts"

/** A kernel that offers these ports in turn, then nothing. */
const offering = (ports: ReadonlyArray<number | undefined>) => {
  let next = 0
  return Effect.sync(() => ports[next++])
}

describe("free ports", () => {
  it.effect("a port the kernel offers again before it was bound is not handed out twice", () =>
    Effect.gen(function*() {
      const choose = distinctPorts(offering([40541, 40541, 40542]))
      assert.deepStrictEqual([yield* choose, yield* choose], [40541, 40542])
    }))

  it.effect("a port the kernel could not give is skipped; nothing new at all answers 0", () =>
    Effect.gen(function*() {
      const choose = distinctPorts(offering([undefined, 40600, 40600]))
      assert.strictEqual(yield* choose, 40600)
      assert.strictEqual(yield* choose, 0)
    }))

  it.effect("only the latest ports are remembered, so a long-lived process does not run out", () =>
    Effect.gen(function*() {
      const choose = distinctPorts(offering([1, 2, 3, 1]), 2)
      assert.deepStrictEqual([yield* choose, yield* choose, yield* choose, yield* choose], [1, 2, 3, 1])
    }))

  it.effect("the ports of one system, chosen before any is bound, are all different", () =>
    Effect.gen(function*() {
      const ports = yield* Effect.forEach(Array.from({ length: 40 }, () => 0), () => freePort)
      assert.strictEqual(new Set(ports).size, 40)
      assert.isTrue(ports.every((p) => p > 0))
    }))

  it.effect("a process started from a test worker chooses outside the worker's range, which holds ports the worker chose but has not bound yet", () =>
    Effect.gen(function*() {
      const own = yield* freePort
      const range = portSlotRange(Number(process.env["VITEST_POOL_ID"]))
      assert.isDefined(range, "vitest gives each worker a pool slot")
      if (range === undefined) return
      assert.isTrue(own >= range.first && own <= range.last, `the worker's own port ${own} is in its range`)
      // The child inherits this worker's environment, VITEST_POOL_ID and all, as `pnpm start` under test does.
      const embedded = fileURLToPath(new URL("./embedded.ts", import.meta.url))
      const script = `import(${JSON.stringify(embedded)}).then(async ({ freePort }) => { const { Effect } = await import("effect"); const ports = []; for (let i = 0; i < 20; i++) ports.push(await Effect.runPromise(freePort)); console.log(JSON.stringify(ports)) })`
      const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { env: process.env, encoding: "utf8" })
      assert.strictEqual(child.status, 0, child.stderr)
      const ports: Array<number> = JSON.parse(child.stdout)
      assert.strictEqual(ports.length, 20)
      assert.isTrue(ports.every((p) => p > 0 && (p < range.first || p > range.last)), `child's ports ${ports.join(", ")}`)
    }))
})
