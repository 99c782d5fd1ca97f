import { describe, expect, it } from "@effect/vitest"
import { crc16, frameOf, nakAt, parseFrame, replyFor } from "./index.ts"

const bytes = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0))
const noKeys = { keyFor: () => undefined }

// Frames whose CRC and length were checked independently: the three of docs/domain.md (from
// fioletoven/dc09's tests), the standard's own examples (receiver 579BDF, line 789ABC, account
// 12345A, as quoted in pysiaalarm's and other receivers' test cases) and ADM-CID frames from a
// public receiver's test cases. Body = from the first `"` to before <CR>.
const Verified = [
  ["F4D2", "0029", `"SIA-DCS"0001RF3L77#1234[#1234|NRR|Atest]`],
  ["96ED", "0016", `"SIA-DCS"0001L0#1234[]`],
  ["E441", "0025", `"NAK"0000R0L0A0[]_16:20:01,09-24-2025`],
  ["CE11", "0032", `"SIA-DCS"9876R579BDFL789ABC#12345A[#12345A|NFA129]`],
  ["87CD", "0037", `"ADM-CID"9876R579BDFL789ABC#12345A[#12345A|1110 00 129]`],
  ["DC53", "0046", `"SIA-DCS"9876R579BDFL789ABC#12345A[#12345A|NFA129]_13:14:15,02-15-2006`],
  ["8C86", "0043", `"SIA-DCS"9876R579BDFL789ABC#123456A[#123456A|NFA129][M1234567890AB]`],
  ["9EC4", "0027", `"ADM-CID"0001L0#1002[#1002|1602 00 001]`],
  ["7514", "0027", `"ADM-CID"0001L0#1002[#1002|3354 00 004]`]
] as const

describe("verified DC-09 vectors", () => {
  it("CRC-16/ARC has its catalogue check value (\"123456789\" → 0xBB3D)", () => {
    expect(crc16(bytes("123456789"))).toBe(0xbb3d)
  })

  it.each(Verified)("CRC %s and length %s of %s", (crc, length, body) => {
    expect(crc16(bytes(body)).toString(16).toUpperCase().padStart(4, "0")).toBe(crc)
    expect(body.length.toString(16).toUpperCase().padStart(4, "0")).toBe(length)
    expect(frameOf(body).text).toBe(`\n${crc}${length}${body}\r`)
  })

  it("the transmitter frames of the vectors are accepted; the NAK (a receiver's reply) is not a transmitter frame", () => {
    const now = Date.UTC(2026, 0, 1)
    for (const [crc, length, body] of Verified) {
      const result = parseFrame(`\n${crc}${length}${body}\r`, { now, ...noKeys })
      if (body.startsWith(`"NAK"`)) expect(result).toMatchObject({ _tag: "Refused", reason: "malformed", header: undefined })
      else expect(result._tag).toBe("Parsed")
    }
  })

  it("the NAK this receiver builds at 16:20:01 on 2025-09-24 is the docs/domain.md vector byte for byte", () => {
    const nak = nakAt(Date.UTC(2025, 8, 24, 16, 20, 1))
    expect(nak.kind === "NAK" && nak.text).toBe(`\nE4410025"NAK"0000R0L0A0[]_16:20:01,09-24-2025\r`)
  })

  it("the first vector reads as sequence 0001, receiver F3, line 77, account 1234, SIA event RR and text", () => {
    const result = parseFrame(`\nF4D20029"SIA-DCS"0001RF3L77#1234[#1234|NRR|Atest]\r`, { now: 0, ...noKeys })
    expect(result._tag).toBe("Parsed")
    if (result._tag !== "Parsed") return
    expect(result.frame).toMatchObject({ messageId: "SIA-DCS", encrypted: false, sequence: "0001", receiver: "F3", line: "77", account: "1234", data: "#1234|NRR|Atest" })
    expect(result.frame.content).toEqual({ _tag: "SIA", account: "1234", events: [{ code: "RR", address: "" }], texts: ["test"] })
    const ack = replyFor(result, { now: 0, ...noKeys })
    expect(ack.kind === "ACK" && ack.text).toBe(frameOf(`"ACK"0001RF3L77#1234[]`).text)
  })

  it("the standard's ADM-CID example reads as a new fire alarm (1 110) in partition 00, zone 129", () => {
    const result = parseFrame(`\n87CD0037"ADM-CID"9876R579BDFL789ABC#12345A[#12345A|1110 00 129]\r`, { now: 0, ...noKeys })
    expect(result._tag === "Parsed" && result.frame.content).toEqual({ _tag: "CID", account: "12345A", qualifier: "1", event: "110", partition: "00", zone: "129" })
  })
})
