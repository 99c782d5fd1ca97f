// The published device-event contract (contracts/json-schema/device-event.v1.schema.json) and the
// gateway's decoder say the same of every body: the JSON Schema, checked by a validator we did not
// write (Ajv, draft 2020-12), accepts exactly what the gateway's check of POST /v1/events accepts.
import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { Ajv2020 } from "ajv/dist/2020.js"
import { Arbitrary, Effect } from "effect"
import fc from "fast-check"
import { SenderDeviceEvent } from "@wt/contracts"
import { parseBatch } from "../../services/gateway/src/ingest-batch.ts"

const published = JSON.parse(readFileSync(new URL("../../contracts/json-schema/device-event.v1.schema.json", import.meta.url), "utf8"))
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(published)

const now = "2026-12-04T10:00:00.000Z"

/** What the gateway makes of one event sent alone (the tenant is the key's, as a sender's would be). */
const gatewayAccepts = (event: unknown): { readonly accepted: boolean; readonly reason?: string } => {
  const tenant = typeof event === "object" && event !== null && typeof (event as { tenant?: unknown }).tenant === "string" ? (event as { tenant: string }).tenant : "demo"
  const r = parseBatch(JSON.stringify(event), tenant, now)
  if (r._tag !== "Parsed") return { accepted: false, reason: r.reason }
  return r.accepted.length === 1 ? { accepted: true } : { accepted: false, ...(r.rejected[0] ? { reason: r.rejected[0].reason } : {}) }
}

type Json = Record<string, unknown>

/** Ways a sender gets an event wrong, or adds to it as the contract allows. */
const mutations: ReadonlyArray<[string, fc.Arbitrary<(event: Json) => Json>]> = [
  ["as generated", fc.constant((e: Json) => e)],
  ["an unknown top-level property", fc.string({ minLength: 1, maxLength: 12 }).map((key) => (e: Json) => (key in e ? e : { ...e, [key]: "x" }))],
  ["a misspelt occurredAt", fc.constant((e: Json) => { const { occurredAt, ...rest } = e; return { ...rest, occuredAt: occurredAt } })],
  ["an unknown source property", fc.string({ minLength: 1, maxLength: 12 }).map((key) => (e: Json) => ({ ...e, source: { ...(e.source as Json), [key]: "x" } }))],
  ["via engine", fc.constant((e: Json) => ({ ...e, source: { ...(e.source as Json), via: "engine" } }))],
  [
    "a payload field the contract does not name",
    fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.oneof(fc.string({ maxLength: 200 }), fc.double(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 2 })))
      .map(([key, value]) => (e: Json) => ({ ...e, payload: { ...(e.payload as Json), [key]: value } }))
  ],
  [
    "many payload fields",
    fc.integer({ min: 25, max: 40 }).map((n) => (e: Json) => ({ ...e, payload: { ...Object.fromEntries(Array.from({ length: n }, (_, i) => [`x${i}`, i])), ...(e.payload as Json) } }))
  ],
  ["a number as a non-finite string", fc.constantFrom("NaN", "Infinity", "-Infinity").map((s) => (e: Json) => ({ ...e, type: "gps", payload: { lat: s, lon: 10.7 } }))],
  ["a required property left out", fc.constantFrom("id", "tenant", "deviceId", "occurredAt", "source", "type", "payload").map((key) => (e: Json) => { const { [key]: _, ...rest } = e; return rest })],
  ["a wrong type", fc.constantFrom("id", "deviceId", "occurredAt", "type").map((key) => (e: Json) => ({ ...e, [key]: 42 }))]
]

describe("device-event contract: published JSON Schema and gateway agree", () => {
  it.effect("on valid events and on every kind of mistake (property test)", () =>
    Effect.gen(function*() {
      const seeds = yield* Arbitrary.sampleEffect(Arbitrary.schema(SenderDeviceEvent), { count: 300, seed: 2026 })
      const counts = new Map<string, { agreed: number; accepted: number }>()
      fc.assert(
        fc.property(fc.constantFrom(...seeds), fc.constantFrom(...mutations.map(([name, arb]) => arb.map((f) => [name, f] as const))).chain((a) => a), (seed, [name, mutate]) => {
          // Through JSON and back, as a sender's body arrives.
          const event = mutate(JSON.parse(JSON.stringify(seed)) as Json)
          const wire = JSON.parse(JSON.stringify(event))
          const bySchema = validate(wire)
          const byGateway = gatewayAccepts(wire)
          const tally = counts.get(name) ?? { agreed: 0, accepted: 0 }
          counts.set(name, { agreed: tally.agreed + 1, accepted: tally.accepted + (bySchema ? 1 : 0) })
          if (bySchema !== byGateway.accepted) {
            throw new Error(`${name}: JSON Schema says ${bySchema}, gateway says ${byGateway.accepted} (${byGateway.reason ?? ""}) for ${JSON.stringify(wire).slice(0, 400)}`)
          }
        }),
        { numRuns: 3000, seed: 4242 }
      )
      // Each kind was tried, and the ones that must be accepted or refused were.
      for (const [name] of mutations) expect(counts.get(name)?.agreed ?? 0, name).toBeGreaterThan(50)
      expect(counts.get("as generated")!.accepted).toBe(counts.get("as generated")!.agreed)
      for (const refused of ["a misspelt occurredAt", "an unknown source property", "via engine", "a number as a non-finite string", "a required property left out", "a wrong type"]) {
        expect(counts.get(refused)!.accepted, refused).toBe(0)
      }
    }))

  it("states the rule: unknown top-level and source properties refused, named in the reason; payload fields kept", () => {
    const event = {
      id: "018f3a2b-7c4d-7e8f-9a0b-1c2d3e4f5a6b",
      tenant: "demo",
      deviceId: "alarm-000123",
      occurredAt: "2026-11-25T21:04:05.120Z",
      source: { via: "dc09" },
      type: "safety_alarm",
      payload: { trigger: "pendant", siaCode: "MA", zone: 3 }
    }
    expect(validate(event)).toBe(true)
    expect(gatewayAccepts(event).accepted).toBe(true)
    const parsed = parseBatch(JSON.stringify(event), "demo", now)
    expect(parsed._tag === "Parsed" && parsed.accepted[0]?.event.payload).toEqual({ trigger: "pendant", siaCode: "MA", zone: 3 })

    const unknown = { ...event, priority: "P1", extra: true }
    expect(validate(unknown)).toBe(false)
    expect(validate.errors?.map((e) => e.params)).toContainEqual({ additionalProperty: "priority" })
    const refused = gatewayAccepts(unknown)
    expect(refused.accepted).toBe(false)
    expect(refused.reason).toContain(`["priority"]`)
    expect(refused.reason).toContain(`["extra"]`)

    expect(published.$defs.SenderDeviceEvent.description).toMatch(/unknown top-level and source properties are refused/i)
    expect(JSON.stringify(published)).not.toContain('"engine"')
    expect(JSON.stringify(published)).not.toContain('"NaN"')
  })
})
