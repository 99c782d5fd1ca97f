import { assert, describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Exit, Layer } from "effect"
import { DefaultIngestLimits, IngestLimits, ingestKeySender, ratesOf, retryAfterSeconds } from "./ingest-limits.ts"

const limitsFrom = (env: Record<string, string>) => IngestLimits.layer.pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env }))))
const withEnv = (env: Record<string, string>) => Effect.provide(limitsFrom(env))

describe("ingest limits settings", () => {
  it("the most specific setting wins, lane by lane: sender's own, then its tenant's, then everyone's, then the default", () => {
    const rates = ratesOf({
      sender: { telemetry: { perSecond: 100, burst: 200 } },
      device: { alarm: { perSecond: 1, burst: 2 } },
      tenants: { north: { sender: { telemetry: { perSecond: 50, burst: 60 }, tech: { perSecond: 7, burst: 8 } }, device: { tech: { perSecond: 3, burst: 4 } } } },
      senders: { "vendor:loop": { telemetry: { perSecond: 9, burst: 10 } } }
    })
    expect(rates.sender("vendor:loop", "north").telemetry).toEqual({ perSecond: 9, burst: 10 })
    expect(rates.sender("vendor:loop", "north").tech).toEqual({ perSecond: 7, burst: 8 })
    expect(rates.sender("key:x", "north").telemetry).toEqual({ perSecond: 50, burst: 60 })
    expect(rates.sender("key:x", "demo").telemetry).toEqual({ perSecond: 100, burst: 200 })
    expect(rates.sender("key:x", "demo").alarm).toEqual(DefaultIngestLimits.sender.alarm)
    expect(rates.device("north")).toEqual({ alarm: { perSecond: 1, burst: 2 }, tech: { perSecond: 3, burst: 4 }, telemetry: DefaultIngestLimits.device.telemetry })
  })

  it("the alarm lane's default ceilings are at least every other lane's", () => {
    for (const scope of [DefaultIngestLimits.sender, DefaultIngestLimits.device]) {
      for (const lane of ["tech", "telemetry"] as const) {
        expect(scope.alarm.perSecond).toBeGreaterThanOrEqual(scope[lane].perSecond)
        expect(scope.alarm.burst).toBeGreaterThanOrEqual(scope[lane].burst)
      }
    }
  })

  it("an ingest key is named by a fingerprint, never by itself", () => {
    const name = ingestKeySender("demo-secret-ingest-key")
    expect(name).toMatch(/^key:[0-9a-f]{16}$/)
    expect(name).not.toContain("demo-secret")
  })

  it("Retry-After is whole seconds, at least 1", () => {
    expect([retryAfterSeconds(1), retryAfterSeconds(1000), retryAfterSeconds(1001), retryAfterSeconds(Number.POSITIVE_INFINITY)]).toEqual([1, 1, 2, 3600])
  })

  it.effect("WT_INGEST_LIMITS sets the limits; the service refuses past them", () =>
    Effect.gen(function*() {
      const limits = yield* IngestLimits
      const gps = { tenant: "demo", deviceId: "gps-1", lane: "telemetry" as const }
      assert.strictEqual((yield* limits.admit("osmand", [gps]))._tag, "Admitted")
      assert.strictEqual((yield* limits.admit("osmand", [gps]))._tag, "Admitted")
      assert.strictEqual((yield* limits.admit("osmand", [gps]))._tag, "Limited")
      assert.strictEqual((yield* limits.admit("osmand", [{ ...gps, lane: "alarm" }]))._tag, "Admitted")
    }).pipe(withEnv({ WT_INGEST_LIMITS: JSON.stringify({ device: { telemetry: { perSecond: 0.001, burst: 2 } } }) })))

  it.effect("admitEach judges a request's events one by one, in order: a device past its budget is refused, its neighbour and a care alarm are not", () =>
    Effect.gen(function*() {
      const limits = yield* IngestLimits
      const gps = { tenant: "demo", deviceId: "gps-1", lane: "telemetry" as const }
      const verdicts = yield* limits.admitEach("http", [gps, gps, { ...gps, deviceId: "gps-2" }, gps, { ...gps, lane: "alarm" as const }])
      assert.deepStrictEqual(verdicts.map((v) => v._tag), ["Admitted", "Admitted", "Admitted", "Limited", "Admitted"])
      const refused = verdicts[3]!
      if (refused._tag === "Limited") assert.deepStrictEqual([refused.scope, refused.subject, refused.lane], ["device", "demo/gps-1", "telemetry"])
      // The budget spent in the request stays spent: the next request's event of that device is refused too.
      assert.strictEqual((yield* limits.admit("http", [gps]))._tag, "Limited")
    }).pipe(withEnv({ WT_INGEST_LIMITS: JSON.stringify({ device: { telemetry: { perSecond: 0.001, burst: 2 } } }) })))

  it.effect("a WT_INGEST_LIMITS that does not decode stops the service instead of running without limits", () =>
    Effect.gen(function*() {
      for (const bad of ["{", JSON.stringify({ device: { telemetry: { perSecond: 0, burst: 2 } } }), JSON.stringify({ device: { alarm: { perSecond: "fast" } } })]) {
        const exit = yield* Effect.exit(Effect.scoped(Layer.build(limitsFrom({ WT_INGEST_LIMITS: bad }))))
        assert.isTrue(Exit.isFailure(exit), bad)
      }
    }))
})
