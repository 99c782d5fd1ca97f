import { describe, expect, it } from "@effect/vitest"
import { createDecipheriv } from "node:crypto"
import { dc09Timestamp, encodeDc09, readDc09Reply } from "../../../simulators/devices/src/protocols/dc09-transmitter.ts"
import { ackFor, duhFor, frameOf, parseFrame, ReplyForRefusal, replyFor, RefusalReasons } from "./index.ts"

const now = Date.UTC(2026, 11, 1, 12, 0, 0)

describe("replies", () => {
  it("an ACK repeats sequence, receiver, line and account, with empty data, and leaves out an absent receiver", () => {
    const header = { encrypted: false, sequence: "0815", line: "7", account: "ABC123" }
    const ack = ackFor({ ...header, receiver: "1F" }, { now, keyFor: () => undefined })
    expect(ack.kind === "ACK" && ack.text).toBe(frameOf(`"ACK"0815R1FL7#ABC123[]`).text)
    const bare = ackFor({ ...header, receiver: undefined }, { now, keyFor: () => undefined })
    expect(bare.kind === "ACK" && bare.text).toBe(frameOf(`"ACK"0815L7#ABC123[]`).text)
  })

  it("a DUH is the same address with the DUH token", () => {
    const duh = duhFor({ sequence: "0001", receiver: undefined, line: "0", account: "1234" })
    expect(duh.kind === "DUH" && duh.text).toBe(frameOf(`"DUH"0001L0#1234[]`).text)
  })

  it.each([16, 24, 32])("the ACK of an encrypted frame is *ACK with pad | ] and the receiver's time under the %i-byte key", (size) => {
    const key = Uint8Array.from({ length: size }, (_, i) => (i * 7 + 3) & 0xff)
    const ack = ackFor({ encrypted: true, sequence: "0002", receiver: "3", line: "4", account: "C0FFEE" }, { now, keyFor: () => key, randomBytes: (n) => new Uint8Array(n) })
    expect(ack.kind).toBe("ACK")
    if (ack.kind !== "ACK") return
    const m = /^\n[0-9A-F]{4}[0-9A-F]{4}"\*ACK"0002R3L4#C0FFEE\[([0-9A-F]+)\r$/u.exec(ack.text)
    expect(m).not.toBeNull()
    const decipher = createDecipheriv(`aes-${size * 8}-cbc`, key, new Uint8Array(16)).setAutoPadding(false)
    const plain = Buffer.concat([decipher.update(Buffer.from(m![1]!, "hex")), decipher.final()]).toString("latin1")
    expect(plain.length % 16).toBe(0)
    expect(plain).toBe(`AAAAAAAAAA|]_${dc09Timestamp(new Date(now))}`)
  })

  it("the transmitter reads an encrypted ACK, with the receiver's time", () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => i)
    const frame = encodeDc09({ type: "NULL", sequence: 44, line: "0", account: "C0FFEE", timestamp: new Date(now), key })
    const result = parseFrame(frame, { now, keyFor: () => key })
    const reply = replyFor(result, { now, keyFor: () => key })
    expect(reply.kind).toBe("ACK")
    if (reply.kind === "none") return
    expect(readDc09Reply(reply.bytes, key)).toEqual({ kind: "ACK", encrypted: true, sequence: 44, receiver: undefined, line: "0", account: "C0FFEE", timestamp: new Date(now) })
  })

  it("an encrypted frame whose key is gone by the time of the reply gets a DUH, not a plain ACK", () => {
    const reply = ackFor({ encrypted: true, sequence: "0002", receiver: undefined, line: "4", account: "C0FFEE" }, { now, keyFor: () => undefined })
    expect(reply.kind).toBe("DUH")
  })

  it("every refusal reason has its answer: nothing for damaged frames, NAK for the clock, DUH for the rest", () => {
    expect(RefusalReasons.filter((r) => ReplyForRefusal[r] === "none")).toEqual(["not_framed", "bad_length", "bad_crc"])
    expect(RefusalReasons.filter((r) => ReplyForRefusal[r] === "NAK")).toEqual(["timestamp_out_of_window"])
    for (const reason of RefusalReasons) {
      const header = { token: "SIA-DCS", encrypted: false, sequence: "0001", receiver: undefined, line: "0", account: "123" }
      const reply = replyFor({ _tag: "Refused", reason, detail: "", header }, { now, keyFor: () => undefined })
      expect(reply.kind).toBe(ReplyForRefusal[reason])
      const headless = replyFor({ _tag: "Refused", reason, detail: "", header: undefined }, { now, keyFor: () => undefined })
      expect(headless.kind).toBe(ReplyForRefusal[reason] === "DUH" ? "none" : ReplyForRefusal[reason])
    }
  })
})
