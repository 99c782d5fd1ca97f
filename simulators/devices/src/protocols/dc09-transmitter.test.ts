import { describe, expect, it } from "@effect/vitest"
import { createCipheriv, createDecipheriv } from "node:crypto"
import { answers, contactIdData, crc16Arc, dc09Timestamp, encodeDc09Text, readDc09Reply, siaDcsData, wrapDc09 } from "./dc09-transmitter.ts"

const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0))
const decrypt = (hex: string, key: Uint8Array) => {
  const d = createDecipheriv(`aes-${key.length * 8}-cbc`, key, new Uint8Array(16)).setAutoPadding(false)
  return Buffer.concat([d.update(Buffer.from(hex, "hex")), d.final()]).toString("latin1")
}

describe("DC-09 transmitter: encoding", () => {
  it("CRC-16/ARC has its catalogue check value", () => {
    expect(crc16Arc(ascii("123456789"))).toBe(0xbb3d)
  })

  it("reproduces the verified vectors of docs/domain.md byte for byte", () => {
    expect(encodeDc09Text({ type: "SIA-DCS", sequence: 1, receiver: "F3", line: "77", account: "1234", data: "#1234|NRR|Atest" })).toBe(
      `\nF4D20029"SIA-DCS"0001RF3L77#1234[#1234|NRR|Atest]\r`
    )
    expect(encodeDc09Text({ type: "SIA-DCS", sequence: 1, line: "0", account: "1234", data: "" })).toBe(`\n96ED0016"SIA-DCS"0001L0#1234[]\r`)
  })

  it("builds the standard's examples with its data helpers", () => {
    const common = { sequence: 9876, receiver: "579BDF", line: "789ABC", account: "12345A" } as const
    expect(encodeDc09Text({ ...common, type: "SIA-DCS", data: siaDcsData("12345A", [{ code: "FA", zone: "129" }]) })).toBe(
      `\nCE110032"SIA-DCS"9876R579BDFL789ABC#12345A[#12345A|NFA129]\r`
    )
    expect(encodeDc09Text({ ...common, type: "ADM-CID", data: contactIdData("12345A", { qualifier: 1, code: "110", partition: "00", zone: "129" }) })).toBe(
      `\n87CD0037"ADM-CID"9876R579BDFL789ABC#12345A[#12345A|1110 00 129]\r`
    )
    expect(encodeDc09Text({ ...common, type: "SIA-DCS", data: siaDcsData("12345A", [{ code: "FA", zone: "129" }]), timestamp: new Date(Date.UTC(2006, 1, 15, 13, 14, 15)) })).toBe(
      `\nDC530046"SIA-DCS"9876R579BDFL789ABC#12345A[#12345A|NFA129]_13:14:15,02-15-2006\r`
    )
  })

  it("writes SIA modifiers, several events and text", () => {
    expect(siaDcsData("1234", [{ code: "BA", zone: "01", area: "1" }, { code: "QA", user: "12", text: "Hall" }], "note")).toBe("#1234|Nri1/BA01/id12/QA^Hall^|Anote")
  })

  it.each([16, 24, 32])("encrypts with a %i-byte key: *id, hex of pad | data ] extended _timestamp, whole blocks", (size) => {
    const key = Uint8Array.from({ length: size }, (_, i) => 255 - i)
    const at = new Date(Date.UTC(2026, 11, 1, 12, 0, 0))
    const text = encodeDc09Text({
      type: "SIA-DCS", sequence: 42, line: "3", account: "C0FFEE", data: "#C0FFEE|NQA1", extended: ["X10.5"], timestamp: at, key,
      padBytes: (n) => Uint8Array.from({ length: n }, (_, i) => [0x7c, 0x5b, 0x5d, 0x00][i % 4]!)
    })
    const m = /^\n([0-9A-F]{4})([0-9A-F]{4})("\*SIA-DCS"0042L3#C0FFEE\[([0-9A-F]+))\r$/u.exec(text)
    expect(m).not.toBeNull()
    expect(Number.parseInt(m![1]!, 16)).toBe(crc16Arc(ascii(m![3]!)))
    expect(Number.parseInt(m![2]!, 16)).toBe(m![3]!.length)
    const plain = decrypt(m![4]!, key)
    expect(plain.length % 16).toBe(0)
    const rest = `|#C0FFEE|NQA1][X10.5]_${dc09Timestamp(at)}`
    expect(plain.endsWith(rest)).toBe(true)
    const pad = plain.slice(0, plain.length - rest.length)
    expect(pad.length).toBe(16 - (rest.length % 16))
    expect(pad).not.toMatch(/[|[\]]/u)
  })

  it("refuses to encrypt without a timestamp or with a key of a wrong size", () => {
    expect(() => encodeDc09Text({ type: "NULL", sequence: 1, line: "0", account: "123", key: new Uint8Array(16) })).toThrow()
    expect(() => encodeDc09Text({ type: "NULL", sequence: 1, line: "0", account: "123", key: new Uint8Array(20), timestamp: new Date() })).toThrow()
  })
})

describe("DC-09 transmitter: reading replies", () => {
  it("reads the NAK vector of docs/domain.md with the receiver's time", () => {
    expect(readDc09Reply(ascii(`\nE4410025"NAK"0000R0L0A0[]_16:20:01,09-24-2025\r`))).toEqual({
      kind: "NAK", encrypted: false, sequence: 0, receiver: "0", line: "0", account: "0", timestamp: new Date(Date.UTC(2025, 8, 24, 16, 20, 1))
    })
  })

  it("reads ACK and DUH and matches them to the message by sequence and address", () => {
    const msg = { type: "SIA-DCS", sequence: 1, receiver: "F3", line: "77", account: "1234", data: "#1234|NRR" } as const
    const ack = readDc09Reply(ascii(wrapDc09(`"ACK"0001RF3L77#1234[]`)))
    expect(ack).toMatchObject({ kind: "ACK", sequence: 1, receiver: "F3", line: "77", account: "1234" })
    expect(answers(ack, msg)).toBe(true)
    expect(answers(ack, { ...msg, sequence: 2 })).toBe(false)
    expect(answers(readDc09Reply(ascii(wrapDc09(`"ACK"0001L77#1234[]`))), msg)).toBe(false)
    expect(readDc09Reply(ascii(wrapDc09(`"DUH"0001RF3L77#1234[]`)))).toMatchObject({ kind: "DUH", sequence: 1 })
  })

  it("reads an encrypted ACK with the account's key", () => {
    const key = Uint8Array.from({ length: 16 }, (_, i) => i)
    const plain = `ABCDEFGHIJ|]_${dc09Timestamp(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)))}`
    const c = createCipheriv("aes-128-cbc", key, new Uint8Array(16)).setAutoPadding(false)
    const hex = Buffer.concat([c.update(Buffer.from(plain, "latin1")), c.final()]).toString("hex").toUpperCase()
    const bytes = ascii(wrapDc09(`"*ACK"0005L0#C0FFEE[${hex}`))
    expect(readDc09Reply(bytes, key)).toMatchObject({ kind: "ACK", encrypted: true, sequence: 5, timestamp: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)) })
    expect(readDc09Reply(bytes)).toEqual({ kind: "invalid", reason: "encrypted reply without a key" })
  })

  it.each([
    ["a wrong CRC", `\nF4410025"NAK"0000R0L0A0[]_16:20:01,09-24-2025\r`, "crc"],
    ["a wrong length", `\nE4410024"NAK"0000R0L0A0[]_16:20:01,09-24-2025\r`, "length"],
    ["no framing", `E4410025"NAK"0000R0L0A0[]_16:20:01,09-24-2025`, "not framed <LF> … <CR>"],
    ["a NAK without time", wrapDc09(`"NAK"0000R0L0A0[]`), "NAK and encrypted ACK carry the receiver's time"],
    ["an unknown token", wrapDc09(`"OK"0001L0#1234[]`), "header"]
  ])("rejects a reply with %s", (_, text, reason) => {
    expect(readDc09Reply(ascii(text))).toEqual({ kind: "invalid", reason })
  })
})
