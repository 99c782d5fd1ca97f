import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { makeTenantSnapshots } from "./tenant-snapshots.ts"

/** A load that counts its calls and finishes only when the test opens its gate. */
const gatedLoad = (gate: Deferred.Deferred<void>, result: (call: number) => Effect.Effect<string, string> = (call) => Effect.succeed(`fleet#${call}`)) => {
  const calls: Array<string> = []
  const load = (tenant: string) =>
    Effect.suspend(() => {
      calls.push(tenant)
      const call = calls.length
      return Effect.andThen(Deferred.await(gate), result(call))
    })
  return { calls, load }
}

/** Lets forked and detached fibers run up to their next wait. */
const settle = Effect.repeat(Effect.yieldNow, { times: 20 })

describe("tenant snapshots", () => {
  it.effect("callers that come while a tenant's first load runs wait for that load, and none asks on its own", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const { calls, load } = gatedLoad(gate)
      const snapshots = yield* makeTenantSnapshots(load, 10_000)
      const waiting = yield* Effect.forkChild(Effect.all(Array.from({ length: 32 }, () => snapshots.get("demo")), { concurrency: "unbounded" }))
      yield* settle
      expect(calls).toEqual(["demo"])
      yield* Deferred.succeed(gate, undefined)
      const answers = yield* Fiber.join(waiting)
      expect(new Set(answers)).toEqual(new Set(["fleet#1"]))
      expect(calls).toEqual(["demo"])
    }))

  it.effect("a failed first load answers nothing to its callers, and the next call loads again", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const { calls, load } = gatedLoad(gate, (call) => (call === 1 ? Effect.fail("database away") : Effect.succeed(`fleet#${call}`)))
      const snapshots = yield* makeTenantSnapshots(load, 10_000)
      const waiting = yield* Effect.forkChild(Effect.all([snapshots.get("demo"), snapshots.get("demo")], { concurrency: "unbounded" }))
      yield* settle
      yield* Deferred.succeed(gate, undefined)
      expect(yield* Fiber.join(waiting)).toEqual([undefined, undefined])
      expect(yield* snapshots.get("demo")).toBe("fleet#2")
      expect(calls).toEqual(["demo", "demo"])
    }))

  it.effect("the caller that started the first load may be interrupted; the others still get the fleet", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const { load } = gatedLoad(gate)
      const snapshots = yield* makeTenantSnapshots(load, 10_000)
      const first = yield* Effect.forkChild(snapshots.get("demo"))
      yield* settle
      const second = yield* Effect.forkChild(snapshots.get("demo"))
      yield* settle
      yield* Fiber.interrupt(first)
      yield* Deferred.succeed(gate, undefined)
      expect(yield* Fiber.join(second)).toBe("fleet#1")
    }))

  it.effect("a snapshot older than the refresh interval is answered at once while it reloads behind", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      yield* Deferred.succeed(gate, undefined)
      const reloadGate = yield* Deferred.make<void>()
      let call = 0
      const snapshots = yield* makeTenantSnapshots(
        (_tenant: string) => Effect.suspend(() => {
          call++
          return call === 1 ? Effect.succeed("fleet#1") : Effect.andThen(Deferred.await(reloadGate), Effect.succeed(`fleet#${call}`))
        }),
        10_000
      )
      expect(yield* snapshots.get("demo")).toBe("fleet#1")
      yield* TestClock.adjust("11 seconds")
      // Stale: still answered from, while the reload waits on its gate.
      expect(yield* snapshots.get("demo")).toBe("fleet#1")
      yield* Deferred.succeed(reloadGate, undefined)
      yield* settle
      expect(yield* snapshots.get("demo")).toBe("fleet#2")
    }))
})

describe("tenant snapshots with versions", () => {
  it.effect("past the refresh interval, an unchanged version keeps the snapshot without reading the fleet; a moved one reads it again", () =>
    Effect.gen(function*() {
      let version = 7
      let loads = 0
      const snapshots = yield* makeTenantSnapshots(
        (_tenant: string) => Effect.sync(() => `fleet#${++loads}`),
        2_000,
        (_tenant: string) => Effect.sync(() => version)
      )
      expect(yield* snapshots.get("demo")).toBe("fleet#1")
      for (let i = 0; i < 5; i++) {
        yield* TestClock.adjust("3 seconds")
        expect(yield* snapshots.get("demo")).toBe("fleet#1")
        yield* settle
      }
      expect(loads).toBe(1)
      version = 8
      yield* TestClock.adjust("3 seconds")
      // Answered from the old one while the new one is read.
      expect(yield* snapshots.get("demo")).toBe("fleet#1")
      yield* settle
      expect(yield* snapshots.get("demo")).toBe("fleet#2")
      expect(loads).toBe(2)
    }))

  it.effect("a version that cannot be read leaves the snapshot as it was, and the next stale call checks again", () =>
    Effect.gen(function*() {
      let version: number | undefined = 1
      let loads = 0
      const snapshots = yield* makeTenantSnapshots(
        (_tenant: string) => Effect.sync(() => `fleet#${++loads}`),
        2_000,
        (_tenant: string) => (version === undefined ? Effect.fail("database away") : Effect.succeed(version))
      )
      expect(yield* snapshots.get("demo")).toBe("fleet#1")
      version = undefined
      yield* TestClock.adjust("3 seconds")
      expect(yield* snapshots.get("demo")).toBe("fleet#1")
      yield* settle
      expect(yield* snapshots.get("demo")).toBe("fleet#1")
      expect(loads).toBe(1)
      // Readable again, and moved: the failed check left nothing behind that would stop this one.
      version = 2
      expect(yield* snapshots.get("demo")).toBe("fleet#1")
      yield* settle
      expect(yield* snapshots.get("demo")).toBe("fleet#2")
    }))

  it.effect("fresh answers without an effect only while the snapshot is current, and only get brings it back", () =>
    Effect.gen(function*() {
      let call = 0
      const snapshots = yield* makeTenantSnapshots((_tenant: string) => Effect.sync(() => `fleet#${++call}`), 10_000)
      expect(snapshots.fresh("demo")).toBeUndefined()
      expect(yield* snapshots.get("demo")).toBe("fleet#1")
      expect(snapshots.fresh("demo")).toBe("fleet#1")
      expect(snapshots.fresh("north")).toBeUndefined()
      yield* TestClock.adjust("11 seconds")
      // Due for its check: fresh says nothing and starts nothing, so a caller falls back to get.
      expect(snapshots.fresh("demo")).toBeUndefined()
      expect(call).toBe(1)
      expect(yield* snapshots.get("demo")).toBe("fleet#1")
      yield* settle
      expect(call).toBe(2)
      expect(snapshots.fresh("demo")).toBe("fleet#2")
    }))
})

