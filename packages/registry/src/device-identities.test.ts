import { assert, describe, expect, it, layer } from "@effect/vitest"
import { TestDatabase } from "@wt/db/testing"
import { Effect, Exit, Layer, Option, Redacted } from "effect"
import { demoDc09Key, demoIdentities, demoWireDigits } from "./demo/demo-identities.ts"
import { DemoSeeder } from "./demo/demo-seeder.ts"
import { seedDemoIdentities } from "./demo/seed-identities.ts"
import { DeviceIdentities, identityProblem } from "./device-identities.ts"
import { Registry } from "./registry.ts"

const Env = DemoSeeder.layer.pipe(Layer.provideMerge(Layer.mergeAll(Registry.layer, DeviceIdentities.layer)), Layer.provideMerge(TestDatabase))
const key = Redacted.make("000102030405060708090a0b0c0d0e0f")

describe("demo wire identities (pure)", () => {
  it("name a demo device by its tenant, its kind and its number, and nothing else", () => {
    expect(demoWireDigits("1", { id: "alarm-000123", type: "safety_alarm" })).toBe("11000123")
    expect(demoWireDigits("2", { id: "n-alarm-000001", type: "safety_alarm" })).toBe("21000001")
    expect(demoWireDigits("1", { id: "gps-000007", type: "gps" })).toBe("13000007")
    expect(demoWireDigits("1", { id: "someone-elses-device", type: "sensor" })).toBeUndefined()
  })

  it("give every fourth safety alarm a key derived from the demo's own secret, and trackers an OsmAnd id", () => {
    const keyed = demoIdentities("1", { id: "alarm-000004", type: "safety_alarm" }, "secret")
    const dc09 = keyed.find((i) => i.protocol === "dc09")!
    expect(dc09.key && Redacted.value(dc09.key)).toBe(demoDc09Key("secret", "11000004"))
    expect(demoDc09Key("another secret", "11000004")).not.toBe(demoDc09Key("secret", "11000004"))
    expect(demoIdentities("1", { id: "alarm-000005", type: "safety_alarm" }, "secret").find((i) => i.protocol === "dc09")?.key).toBeUndefined()
    expect(demoIdentities("1", { id: "gps-000001", type: "gps" }, "secret").map((i) => i.protocol)).toEqual(["dc09", "scaip", "osmand"])
    expect(demoIdentities("1", { id: "med-000001", type: "medication" }, "secret").map((i) => i.protocol)).toEqual(["dc09", "scaip", "webhook"])
  })

  it("refuse what a protocol's wire cannot carry, before it is stored", () => {
    expect(identityProblem({ protocol: "dc09", identity: "12Z4" })).toContain("not a valid dc09")
    expect(identityProblem({ protocol: "dc09", identity: "1234", key: Redacted.make("abc") })).toContain("128, 192 or 256")
    expect(identityProblem({ protocol: "webhook", identity: "1234" })).toContain("vendor")
    expect(identityProblem({ protocol: "osmand", identity: "1234", receiver: "1" })).toContain("DC-09 identities only")
    expect(identityProblem({ protocol: "dc09", identity: "a1b2", receiver: "F3", line: "77", key })).toBeUndefined()
  })
})

describe("device identities on PostgreSQL", () => {
  layer(Env, { timeout: 60_000 })((it) => {
    it.effect("a frame's identity finds its device and tenant; the key is there for the receiver, never shown", () =>
      Effect.gen(function*() {
        const seeder = yield* DemoSeeder
        yield* seeder.seed({
          ingestKey: "identities-test-key-0001",
          password: "identities test password",
          residents: 20,
          dc09KeySecret: Redacted.make("demo dc09 secret")
        })
        const identities = yield* DeviceIdentities
        const shown = yield* identities.assign("demo", "alarm-000003", { protocol: "dc09", identity: "a1b2", receiver: "f3", line: "77", key })
        expect(shown).toEqual({ protocol: "dc09", identity: "A1B2", receiver: "F3", line: "77", keyHint: "…0e0f" })
        expect(JSON.stringify(shown)).not.toContain("0001020304")

        const found = yield* identities.find("dc09", "a1b2")
        assert.isTrue(Option.isSome(found))
        const device = Option.getOrThrow(found)
        expect(device).toMatchObject({ tenant: "demo", deviceId: "alarm-000003", deviceType: "safety_alarm", receiver: "F3", line: "77" })
        expect(device.key && Redacted.value(device.key)).toBe(Redacted.value(key))
        expect(Option.isNone(yield* identities.find("dc09", "FFFF"))).toBe(true)
        expect(Option.isNone(yield* identities.find("scaip", "A1B2"))).toBe(true)
      }))

    it.effect("a change without a key keeps the present key only when asked to", () =>
      Effect.gen(function*() {
        const identities = yield* DeviceIdentities
        yield* identities.assign("demo", "alarm-000006", { protocol: "dc09", identity: "C0FFEE", key })
        const kept = yield* identities.assign("demo", "alarm-000006", { protocol: "dc09", identity: "C0FFEF", line: "2" }, { keepKey: true })
        expect(kept).toEqual({ protocol: "dc09", identity: "C0FFEF", line: "2", keyHint: "…0e0f" })
        const device = Option.getOrThrow(yield* identities.find("dc09", "C0FFEF"))
        expect(device.key && Redacted.value(device.key)).toBe(Redacted.value(key))
        const replaced = yield* identities.assign("demo", "alarm-000006", { protocol: "dc09", identity: "C0FFEF", key: Redacted.make("ffeeddccbbaa99887766554433221100") }, { keepKey: true })
        expect(replaced.keyHint).toBe("…1100")
        const cleared = yield* identities.assign("demo", "alarm-000006", { protocol: "dc09", identity: "C0FFEF" })
        expect(cleared.keyHint).toBeUndefined()
        expect(Option.getOrThrow(yield* identities.find("dc09", "C0FFEF")).key).toBeUndefined()
        // Nothing to keep on a new identity: it has no key.
        const fresh = yield* identities.assign("demo", "alarm-000007", { protocol: "dc09", identity: "C0FFF0" }, { keepKey: true })
        expect(fresh.keyHint).toBeUndefined()
      }))

    it.effect("an identity belongs to one device of the whole installation; a removed one is unknown at once", () =>
      Effect.gen(function*() {
        const identities = yield* DeviceIdentities
        yield* identities.assign("demo", "alarm-000001", { protocol: "osmand", identity: "863071013456789" })
        const taken = yield* Effect.exit(identities.assign("demo", "alarm-000002", { protocol: "osmand", identity: "863071013456789" }))
        expect(Exit.isFailure(taken) && JSON.stringify(taken.cause)).toContain("IdentityTaken")
        const missing = yield* Effect.exit(identities.assign("demo", "no-such-device", { protocol: "osmand", identity: "1" }))
        expect(Exit.isFailure(missing) && JSON.stringify(missing.cause)).toContain("IdentityDeviceNotFound")
        expect(Option.isSome(yield* identities.find("osmand", "863071013456789"))).toBe(true)
        expect(yield* identities.remove("demo", "alarm-000001", "osmand")).toBe(true)
        expect(Option.isNone(yield* identities.find("osmand", "863071013456789"))).toBe(true)
      }))

    it.effect("the demo's devices are seeded with identities on every protocol they can speak, idempotently", () =>
      Effect.gen(function*() {
        const first = yield* seedDemoIdentities("demo", "1", Redacted.make("demo dc09 secret"))
        const again = yield* seedDemoIdentities("demo", "1", Redacted.make("demo dc09 secret"))
        expect(again).toBe(first)
        const identities = yield* DeviceIdentities
        const byDevice = yield* identities.ofTenant("demo")
        expect(byDevice.get("alarm-000004")?.find((i) => i.protocol === "dc09")).toMatchObject({ identity: "11000004", keyHint: expect.any(String) })
        const alarm = Option.getOrThrow(yield* identities.find("dc09", "11000004"))
        expect(alarm.key && Redacted.value(alarm.key)).toBe(demoDc09Key("demo dc09 secret", "11000004"))
        // Set by an administrator after the first seed: kept.
        expect(byDevice.get("alarm-000003")?.find((i) => i.protocol === "dc09")?.identity).toBe("A1B2")
      }))
  })
})
