import { isDeepStrictEqual } from "node:util"
import { assert, describe, expect, it } from "@effect/vitest"
import { Arbitrary, Effect, Exit, Result, Schema } from "effect"
import { DeviceEvent, SenderDecodeOptions, SenderDeviceEvent } from "@wt/contracts"
import { arbitraryDeviceEvent, eventVariants } from "@wt/contracts/examples"
import { decodeJson, encodeJson } from "@wt/nats"
import { storedBytes } from "@wt/intake"
import { decodeItems, decodeSenderEvent, parseBatch, parseBody } from "./ingest-batch.ts"

const now = "2026-11-25T03:00:01.000Z"
const pendant = (id: string, extra: object = {}) => ({
  id,
  tenant: "demo",
  deviceId: "alarm-000001",
  occurredAt: "2026-11-25T03:00:00.000Z",
  source: { via: "http" },
  type: "safety_alarm",
  payload: { trigger: "pendant" },
  ...extra
})

describe("ingest batch parsing", () => {
  it("accepts one event and stamps receivedAt over the sender's", () => {
    const r = parseBatch(JSON.stringify(pendant("evt-00000001", { receivedAt: "2020-01-01T00:00:00Z" })), "demo", now)
    expect(r._tag === "Parsed" && r.accepted[0]?.event.receivedAt).toBe(now)
  })

  it("reports malformed JSON", () => {
    expect(parseBatch("{not json", "demo", now)._tag).toBe("Malformed")
  })

  it("names the missing field and keeps the good events of a mixed batch", () => {
    const bad = pendant("evt-00000002") as Record<string, unknown>
    delete bad.deviceId
    const r = parseBatch(JSON.stringify([pendant("evt-00000001"), bad]), "demo", now)
    expect(r._tag).toBe("Parsed")
    if (r._tag !== "Parsed") return
    expect(r.accepted.map((a) => [a.index, a.event.id])).toEqual([[0, "evt-00000001"]])
    expect(r.rejected[0]?.index).toBe(1)
    expect(r.rejected[0]?.reason).toContain("deviceId")
  })

  it("names a wrong payload value by its path", () => {
    const r = parseBatch(JSON.stringify(pendant("evt-00000001", { payload: { trigger: "elbow" } })), "demo", now)
    expect(r._tag === "Parsed" && r.rejected[0]?.reason).toContain("trigger")
  })

  it("refuses an event for another tenant than the key's", () => {
    const r = parseBatch(JSON.stringify(pendant("evt-00000001", { tenant: "other" })), "demo", now)
    expect(r._tag === "Parsed" && r.rejected[0]?.reason).toContain("does not match")
  })

  it("refuses events that pretend to come from the engine", () => {
    const r = parseBatch(JSON.stringify(pendant("evt-00000001", { source: { via: "engine" } })), "demo", now)
    expect(r._tag === "Parsed" && r.rejected[0]?.reason).toContain(`["source"]["via"]`)
  })

  it("refuses an unknown top-level or source property, naming it, and keeps unknown payload fields (the published contract's rule)", () => {
    const misspelt = parseBatch(JSON.stringify(pendant("evt-00000001", { occuredAt: "2026-11-25T03:00:00.000Z" })), "demo", now)
    expect(misspelt._tag === "Parsed" && misspelt.rejected[0]?.reason).toContain(`["occuredAt"]`)
    const inSource = parseBatch(JSON.stringify(pendant("evt-00000001", { source: { via: "http", vendr: "x" } })), "demo", now)
    expect(inSource._tag === "Parsed" && inSource.rejected[0]?.reason).toContain(`["source"]["vendr"]`)
    const extras = parseBatch(JSON.stringify(pendant("evt-00000001", { payload: { trigger: "pendant", siaCode: "MA", zone: 3, test: false } })), "demo", now)
    expect(extras._tag === "Parsed" && extras.accepted[0]?.event.payload).toEqual({ trigger: "pendant", siaCode: "MA", zone: 3, test: false })
    const nested = parseBatch(JSON.stringify(pendant("evt-00000001", { payload: { trigger: "pendant", extra: { a: 1 } } })), "demo", now)
    expect(nested._tag === "Parsed" && nested.rejected[0]?.reason).toContain(`["payload"]["extra"]`)
  })

  it("refuses free text over its limit (a 1 MB sensor placement, a long dose id, vendor or raw frame), naming the field", () => {
    const sensor = (payload: object, source: object = { via: "http" }) =>
      ({ ...pendant("evt-00000009"), type: "sensor", source, payload: { sensor: "door", state: "opened", ...payload } })
    const cases = [
      [sensor({ placement: "x".repeat(1024 * 1024) }), "placement"],
      [{ ...pendant("evt-00000010"), type: "medication", payload: { event: "dose_missed", doseId: "d".repeat(129) } }, "doseId"],
      [sensor({}, { via: "http", vendor: "v".repeat(129) }), "vendor"],
      [sensor({}, { via: "dc09", raw: "r".repeat(8193) }), "raw"]
    ] as const
    for (const [event, field] of cases) {
      const r = parseBatch(JSON.stringify(event), "demo", now)
      expect(r._tag === "Parsed" && r.accepted.length).toBe(0)
      expect(r._tag === "Parsed" && r.rejected[0]?.reason).toContain(field)
    }
    expect(parseBatch(JSON.stringify(sensor({ placement: "p".repeat(128) })), "demo", now)).toMatchObject({ _tag: "Parsed", rejected: [] })
  })

  it("refuses a body nested deeper than any event before walking it (50,000 brackets overflowed the stack: a 500 with an empty body)", () => {
    for (const body of ["[".repeat(50_000) + "]".repeat(50_000), '{"a":'.repeat(50_000) + "1" + "}".repeat(50_000), JSON.stringify([pendant("evt-00000009", { payload: { trigger: "pendant", x: JSON.parse("[".repeat(40) + "]".repeat(40)) } })])]) {
      const r = parseBatch(body, "demo", now)
      expect(r._tag).toBe("TooDeep")
      expect(r._tag === "TooDeep" && r.reason).toContain("nested deeper than 32 levels")
    }
    // An event with a payload nested a little is only checked as usual.
    const nested = parseBatch(JSON.stringify([pendant("evt-00000010", { payload: { trigger: "pendant", x: { y: [[1]] } } })]), "demo", now)
    expect(nested._tag).toBe("Parsed")
  })

  it("refuses more than 1000 events", () => {
    const many = Array.from({ length: 1001 }, (_, i) => pendant(`evt-${String(i).padStart(8, "0")}`))
    expect(parseBatch(JSON.stringify(many), "demo", now)._tag).toBe("TooMany")
  })

  it("checked a slice at a time (as the gateway does between turns of its event loop), a batch gives what it gives whole", () => {
    const mixed = Array.from({ length: 250 }, (_, i) =>
      i % 7 === 3 ? pendant(`evt-${String(i).padStart(8, "0")}`, { tenant: "other" }) : i % 11 === 5 ? { id: i } : pendant(`evt-${String(i).padStart(8, "0")}`))
    const body = JSON.stringify(mixed)
    const whole = parseBatch(body, "demo", now)
    const items = parseBody(body)
    if (items._tag !== "Items" || whole._tag !== "Parsed") throw new Error("not parsed")
    const sliced = { accepted: [] as Array<unknown>, rejected: [] as Array<unknown> }
    for (let from = 0; from < items.list.length; from += 100) decodeItems(items.list, from, from + 100, "demo", now, sliced as never)
    expect(sliced).toEqual({ accepted: whole.accepted, rejected: whole.rejected })
    expect(whole.accepted.length).toBeGreaterThan(150)
    expect(whole.rejected.length).toBeGreaterThan(50)
  })

  it.effect("stores an accepted event as the schema would encode it, for any event", () =>
    Effect.gen(function*() {
      const result = yield* Arbitrary.checkEffect(arbitraryDeviceEvent(), (sent) => {
        const r = parseBatch(JSON.stringify(sent), sent.tenant, now)
        if (r._tag !== "Parsed" || r.accepted.length !== 1) return sent.source.via === "engine"
        const accepted = r.accepted[0]!.event
        const bytes = storedBytes(accepted)
        const viaSchema = Result.getOrThrow(encodeJson(DeviceEvent, accepted))
        const decoded = decodeJson(DeviceEvent, bytes)
        return Result.isSuccess(decoded) && isDeepStrictEqual(decoded.success, accepted) &&
          isDeepStrictEqual(JSON.parse(new TextDecoder().decode(bytes)), JSON.parse(new TextDecoder().decode(viaSchema)))
      }, { runs: 300 })
      assert.strictEqual(Arbitrary.formatCheckFailure(result), undefined)
    }))

  it.effect("decodes any item as the strict decode does: the same event, or a refusal, whatever unknown or missing properties it has", () =>
    Effect.gen(function*() {
      const strict = Schema.decodeUnknownExit(SenderDeviceEvent, SenderDecodeOptions)
      const result = yield* Arbitrary.checkEffect(arbitraryDeviceEvent(), (event) =>
        // Each event, and changed in the ways the quicker decode must not let through or read differently.
        eventVariants(JSON.parse(JSON.stringify(event)) as Record<string, unknown>).every((item) => {
          const quick = decodeSenderEvent(item)
          const whole = strict(item)
          return Exit.isSuccess(quick) && Exit.isSuccess(whole) ? isDeepStrictEqual(quick.value, whole.value) : Exit.isFailure(quick) && Exit.isFailure(whole)
        }), { runs: 300 })
      assert.strictEqual(Arbitrary.formatCheckFailure(result), undefined)
    }))
})
