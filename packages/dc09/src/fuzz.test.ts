import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { crc16, frameOf, fuzzParse, parseFrame, type ParseResult, ReplyForRefusal, replyFor, toDeviceEventDrafts } from "./index.ts"

const now = Date.UTC(2026, 11, 1, 12, 0, 0)
const key = Uint8Array.from({ length: 16 }, (_, i) => i)
const keyFor = (account: string) => (account.startsWith("C") ? key : undefined)

/** Checks one input end to end: no throw, the prescribed reply, a sound reply frame. */
const answersPerProtocol = (input: Uint8Array | string) => {
  let result: ParseResult | undefined
  expect(() => {
    result = parseFrame(input, { now, keyFor })
  }).not.toThrow()
  const r = result!
  if (r._tag === "Refused") expect(r.detail).not.toBe("internal parser error")
  const reply = replyFor(r, { now, keyFor })
  const expected = r._tag === "Parsed" ? "ACK" : ReplyForRefusal[r.reason] === "DUH" && r.header === undefined ? "none" : ReplyForRefusal[r.reason]
  expect(reply.kind).toBe(expected)
  if (reply.kind !== "none") {
    const b = reply.bytes
    expect([b[0], b[b.length - 1]]).toEqual([0x0a, 0x0d])
    expect(Number.parseInt(reply.text.slice(1, 5), 16)).toBe(crc16(b, 9, b.length - 1))
    expect(Number.parseInt(reply.text.slice(5, 9), 16)).toBe(b.length - 10)
  }
  if (r._tag === "Parsed") expect(toDeviceEventDrafts(r.frame, new Date(now).toISOString()).length).toBeGreaterThan(0)
}

// Texts that look like DC-09, framed with a right CRC and length, so the fuzzing reaches past the CRC.
const dc09ish = fc.stringMatching(/^"\*?(SIA-DCS|ADM-CID|NULL|ACK|X)"\d{0,5}(R[0-9A-F]{0,7})?(L[0-9A-Fa-f]{0,7})?(#[0-9A-F]{0,17})?\[[#0-9A-Za-z|\/^ \]\[_:,-]{0,60}$/u)

describe("arbitrary input", () => {
  it("10,000 arbitrary byte strings are each answered per protocol and never throw", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (input) => answersPerProtocol(input)), { numRuns: 10_000 })
  })

  it("arbitrary framed texts with right CRC and length (reaching the header and data rules) are answered per protocol", () => {
    fc.assert(fc.property(dc09ish, (body) => answersPerProtocol(frameOf(body).bytes)), { numRuns: 5_000 })
  })

  it("arbitrary bytes between <LF> and <CR>, and oversized inputs, are answered per protocol", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5_000 }), (inner) => answersPerProtocol(Uint8Array.from([0x0a, ...inner, 0x0d]))),
      { numRuns: 2_000 }
    )
  })

  it("the seeded fuzz run the benchmark calls: 10,000 inputs, every refusal kind reached, no violation", () => {
    const report = fuzzParse({ inputs: 10_000, seed: 18 })
    expect(report.violations).toEqual([])
    expect(report.violationCount).toBe(0)
    expect(report.inputs).toBe(10_000)
    expect(report.parsed).toBeGreaterThan(2_000)
    for (const [reason, count] of Object.entries(report.refused)) expect([reason, count > 0]).toEqual([reason, true])
    expect(report.replies.ACK + report.replies.NAK + report.replies.DUH + report.replies.none).toBe(10_000)
  })
})
