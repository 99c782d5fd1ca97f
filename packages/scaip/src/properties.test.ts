import { describe, expect, it } from "@effect/vitest"
import { DeviceEvent } from "@wt/contracts"
import { Result, Schema } from "effect"
import * as fc from "fast-check"
import { encodeMrq, readMrs, type ScaipAlarm } from "../../../simulators/devices/src/protocols/scaip-device.ts"
import { DeviceTypes, StatusCodes } from "./code-tables.ts"
import { scaipDeviceEvent, scaipEventId } from "./device-event.ts"
import { fuzzScaip, fuzzScaipSip } from "./fuzz.ts"
import { parseMessageRequest } from "./message-request.ts"
import { encodeMessageResponse, responseFor } from "./message-response.ts"

/** fast-check properties through vitest (the root fast-check, not @effect/vitest's Schema-first `it.prop`). */
const prop = <T extends Array<unknown>>(name: string, arbs: { [K in keyof T]: fc.Arbitrary<T[K]> }, body: (args: T) => void, numRuns = 200) =>
  it(name, () => {
    fc.assert(fc.property(...(arbs as unknown as [fc.Arbitrary<unknown>]), (...args: Array<unknown>) => body(args as T)), { numRuns })
  })


const enc = (text: string) => new TextEncoder().encode(text)
const isDeviceEvent = Schema.is(DeviceEvent)
const now = Date.parse("2026-11-25T21:04:05.120Z")

const knownDeviceTypes = Object.keys(DeviceTypes).map(Number)
const knownStatusCodes = Object.keys(StatusCodes).map(Number)

const Alarm: fc.Arbitrary<ScaipAlarm> = fc.record(
  {
    ref: fc.stringMatching(/^[A-Za-z0-9]{1,16}$/),
    cid: fc.stringMatching(/^[0-9]{1,32}$/),
    dty: fc.oneof(fc.constantFrom(...knownDeviceTypes), fc.integer({ min: 0, max: 9999 })),
    stc: fc.oneof(fc.constantFrom(...knownStatusCodes), fc.integer({ min: 0, max: 9999 })),
    mty: fc.constantFrom("ME", "RE", "IN", "PI"),
    did: fc.stringMatching(/^[\x20-\x7e]{1,16}$/).filter((s) => s.trim() === s && s !== ""),
    dco: fc.integer({ min: 0, max: 999 }),
    pri: fc.integer({ min: 0, max: 9 }),
    lco: fc.integer({ min: 0, max: 999 }),
    crd: fc.array(fc.constantFrom("gsm:+4790000000", "sip:unit@example.org", "no-voice:", "gsm:"), { maxLength: 3 }),
    lte: fc.string({ minLength: 1, maxLength: 32 }).filter((s) => s.trim() === s && s !== "" && !/[\x00-\x1f\ud800-\udfff]/u.test(s)),
    geo: fc.record({ lat: fc.double({ min: -90, max: 90, noNaN: true }), lon: fc.double({ min: -180, max: 180, noNaN: true }) }),
    time: fc.record({ epochMs: fc.integer({ min: now - 20 * 3_600_000, max: now }), offsetHours: fc.integer({ min: -12, max: 14 }) })
  },
  { requiredKeys: ["ref", "cid", "dty"] }
)
const Style = fc.record({ declaration: fc.boolean(), padCodes: fc.boolean(), indent: fc.boolean(), order: fc.nat() })

const pad = (n: number, width: number) => String(n).padStart(width, "0")

describe("SCAIP codec properties", () => {
  prop("what the simulated device writes, the receiver reads back field for field", [Alarm, Style], ([alarm, style]) => {
    const parsed = parseMessageRequest(enc(encodeMrq(alarm, style)))
    if (Result.isFailure(parsed)) throw new Error(parsed.failure.reason)
    const mrq = parsed.success
    expect(mrq.ref).toBe(alarm.ref)
    expect(mrq.cid).toBe(alarm.cid)
    expect(mrq.dty).toBe(pad(alarm.dty, 4))
    expect(mrq.stc).toBe(alarm.stc === undefined ? undefined : pad(alarm.stc, 4))
    expect(mrq.mty).toBe(alarm.mty ?? "ME")
    expect(mrq.did).toBe(alarm.did)
    expect(mrq.pri).toBe(alarm.pri ?? 0)
    expect(mrq.lte).toBe(alarm.lte)
    // One <crd> per media; their order carries nothing.
    expect([...mrq.crd].sort()).toEqual([...(alarm.crd ?? [])].sort())
  })

  prop("every request a device writes becomes exactly one valid canonical event, never dropped", [Alarm, Style], ([alarm, style]) => {
    const text = encodeMrq(alarm, style)
    const parsed = parseMessageRequest(enc(text))
    if (Result.isFailure(parsed)) throw new Error(parsed.failure.reason)
    const event = scaipDeviceEvent(parsed.success, { tenant: "demo", deviceId: "dev-1" }, now, text)
    if (Result.isFailure(event)) throw new Error(event.failure.reason)
    expect(isDeviceEvent(event.success)).toBe(true)
    expect(event.success.source.raw).toBe(text)
    if (alarm.stc !== undefined && alarm.mty !== "PI") expect((event.success.payload as Record<string, unknown>).scaipStatus).toBe(pad(alarm.stc, 4))
  })

  prop("the event id does not depend on how the device formats the request", [Alarm, Style, Style], ([alarm, s1, s2]) => {
    const id = (style: typeof s1) => {
      const parsed = parseMessageRequest(enc(encodeMrq(alarm, style)))
      return Result.isSuccess(parsed) ? scaipEventId(parsed.success) : "refused"
    }
    expect(id(s1)).toBe(id(s2))
  })

  prop("the device reads the receiver's answer: its reference and status number", [Alarm, fc.constantFrom("stored", "store_timeout", "store_unavailable", "unknown_device") ], ([alarm, kind]) => {
    const answer = readMrs(encodeMessageResponse(responseFor({ kind, ref: alarm.ref })))
    expect(answer).toEqual({ ref: alarm.ref, snu: { stored: 0, store_timeout: 4, store_unavailable: 6, unknown_device: 5 }[kind] })
  })

  it("arbitrary bytes never throw: 10,000 inputs each end in an event or a refusal with a reason", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        expect(fuzzScaip(bytes)).toMatch(/^(event|refused):/u)
      }),
      { numRuns: 10_000 }
    )
  })

  it("arbitrary bytes as SIP (a TCP stream and a UDP datagram) never throw: 10,000 inputs", () => {
    const sipish = fc.oneof(
      fc.uint8Array({ maxLength: 512 }),
      fc.tuple(fc.constantFrom("MESSAGE sip:arc@x SIP/2.0\r\n", "SIP/2.0 200 OK\r\n", "REGISTER sip:x SIP/2.0\r\n"), fc.array(fc.constantFrom("Content-Length: 12\r\n", "l: 0\r\n", "Content-Type: application/scaip+xml\r\n", "c: text/xml\r\n", "Via: SIP/2.0/TCP a\r\n", "\r\n", " folded\r\n", "<mrq><ref>1</ref><cid>2</cid><dty>3</dty></mrq>"), { maxLength: 8 })).map(([first, rest]) => enc(first + rest.join("")))
    )
    fc.assert(
      fc.property(sipish, (bytes) => {
        expect(fuzzScaipSip(bytes)).toMatch(/^(event|refused):/u)
      }),
      { numRuns: 10_000 }
    )
  })

  it("XML-ish noise built from SCAIP's own tags never throws either (10,000 inputs)", () => {
    const token = fc.constantFrom("<mrq>", "</mrq>", "<ref>", "</ref>", "<cid>", "</cid>", "<dty>", "</dty>", "<stc>", "</stc>", "<lge>", "</lge>", "<geo>", "</geo>", "12", "A", "&amp;", "&#x41;", "&bogus;", "<!--", "-->", "<![CDATA[", "]]>", "<!DOCTYPE x>", "<?xml?>", " ", "/>", "<", ">", "\"", "=")
    fc.assert(
      fc.property(fc.array(token, { maxLength: 60 }), (tokens) => {
        expect(fuzzScaip(enc(tokens.join("")))).toMatch(/^(event|refused):/u)
      }),
      { numRuns: 10_000 }
    )
  })

  prop("every truncation of a valid request is refused or read, never thrown", [Alarm], ([alarm]) => {
    const full = enc(encodeMrq(alarm))
    for (let cut = 0; cut < full.length; cut++) {
      const outcome = fuzzScaip(full.subarray(0, cut))
      expect(outcome.startsWith("refused:")).toBe(true)
    }
  })

  prop("an oversized request is refused as too large with snu 1", [Alarm, fc.integer({ min: 8193, max: 40_000 })], ([alarm, size]) => {
    const text = encodeMrq(alarm)
    const padded = text.replace("</mrq>", `<ite>${"x".repeat(Math.max(0, size - text.length))}</ite></mrq>`)
    const parsed = parseMessageRequest(enc(padded))
    expect(Result.isFailure(parsed) && parsed.failure).toMatchObject({ kind: "too_large", snu: 1 })
  })
})
