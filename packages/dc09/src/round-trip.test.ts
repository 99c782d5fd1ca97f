import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import {
  answers,
  contactIdData,
  type Dc09Message,
  encodeDc09,
  readDc09Reply,
  siaDcsData
} from "../../../simulators/devices/src/protocols/dc09-transmitter.ts"
import { eventIdOf, parseFrame, replyFor, toDeviceEventDrafts } from "./index.ts"

// The transmitter is a separate encoder (simulators/devices): these properties check the receiver
// against it, both ways: its frames parse to what it meant, and it accepts the receiver's replies.

const hex = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9A-F]{${min},${max}}$`, "u"))
const siaCode = fc.stringMatching(/^[A-Z]{2}$/u)
const digits = (n: number) => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`, "u"))

const siaEvent = fc.record(
  { code: siaCode, zone: fc.stringMatching(/^[0-9]{0,4}$/u), area: digits(1), user: digits(2), text: fc.stringMatching(/^[A-Za-z0-9 .]{1,20}$/u) },
  { requiredKeys: ["code", "zone"] }
)
const cidEvent = fc.record({ qualifier: fc.constantFrom(1 as const, 3 as const, 6 as const), code: digits(3), partition: digits(2), zone: digits(3) })

const message = fc
  .record({
    type: fc.constantFrom("SIA-DCS" as const, "ADM-CID" as const, "NULL" as const),
    sequence: fc.integer({ min: 0, max: 9999 }),
    receiver: fc.option(hex(1, 6), { nil: undefined }),
    line: hex(1, 6),
    account: hex(3, 16),
    sia: fc.array(siaEvent, { minLength: 1, maxLength: 4 }),
    text: fc.option(fc.stringMatching(/^[A-Za-z0-9 ]{1,30}$/u), { nil: undefined }),
    cid: cidEvent,
    skewS: fc.integer({ min: -40, max: 20 }),
    stamped: fc.boolean(),
    extended: fc.option(fc.tuple(fc.double({ min: -180, max: 180, noNaN: true }), fc.double({ min: -90, max: 90, noNaN: true })), { nil: undefined }),
    keySize: fc.constantFrom(0, 16, 24, 32),
    keySeed: fc.integer({ min: 0, max: 255 }),
    // The receiver's clock, any second of this century (leap days, year ends …).
    clockS: fc.integer({ min: Date.UTC(2000, 0, 1) / 1000, max: Date.UTC(2099, 11, 31, 23, 59, 59) / 1000 })
  })
  .map((m) => {
    const now = m.clockS * 1000
    const key = m.keySize === 0 ? undefined : Uint8Array.from({ length: m.keySize }, (_, i) => (m.keySeed + i * 31) & 0xff)
    const data = m.type === "NULL" ? "" : m.type === "SIA-DCS" ? siaDcsData(m.account, m.sia, m.text) : contactIdData(m.account, m.cid)
    const msg: Dc09Message = {
      type: m.type,
      sequence: m.sequence,
      ...(m.receiver === undefined ? {} : { receiver: m.receiver }),
      line: m.line,
      account: m.account,
      data,
      ...(m.extended === undefined ? {} : { extended: [`X${m.extended[0].toFixed(5)}`, `Y${m.extended[1].toFixed(5)}`] }),
      ...(key !== undefined || m.stamped ? { timestamp: new Date(now + m.skewS * 1000) } : {}),
      ...(key === undefined ? {} : { key })
    }
    return { msg, key, source: m, now }
  })

const keyOf = (key: Uint8Array | undefined, account: string) => (a: string) => (a === account ? key : undefined)

describe("transmitter → receiver → transmitter", () => {
  it("every message the transmitter encodes (plain, AES-128/192/256) parses to what it meant and its ACK answers it", () => {
    fc.assert(
      fc.property(message, ({ msg, key, source, now }) => {
        const keyFor = keyOf(key, msg.account)
        const result = parseFrame(encodeDc09(msg), { now, keyFor })
        expect(result._tag === "Refused" ? `${result.reason}: ${result.detail}` : "Parsed").toBe("Parsed")
        if (result._tag !== "Parsed") return
        const f = result.frame
        expect(f).toMatchObject({ messageId: msg.type, encrypted: key !== undefined, sequence: String(msg.sequence).padStart(4, "0"), line: msg.line, account: msg.account, data: msg.data })
        expect(f.receiver).toBe(msg.receiver)
        expect(f.timestamp?.epochMs).toBe(msg.timestamp?.getTime())
        if (msg.type === "SIA-DCS" && f.content._tag === "SIA") {
          expect(f.content.events.map((e) => e.code)).toEqual(source.sia.map((e) => e.code))
          expect(f.content.events.map((e) => e.address)).toEqual(source.sia.map((e) => e.zone))
          expect(f.content.texts).toEqual(source.text === undefined ? [] : [source.text])
        }
        if (msg.type === "ADM-CID") {
          expect(f.content).toEqual({ _tag: "CID", account: msg.account, qualifier: String(source.cid.qualifier), event: source.cid.code, partition: source.cid.partition, zone: source.cid.zone })
        }
        const drafts = toDeviceEventDrafts(f, new Date(now).toISOString())
        expect(drafts.length).toBe(msg.type === "SIA-DCS" ? source.sia.length : 1)
        if (source.extended !== undefined) expect(drafts[0].payload).toHaveProperty("location")
        const reply = replyFor(result, { now, keyFor })
        expect(reply.kind).toBe("ACK")
        if (reply.kind === "none") return
        const read = readDc09Reply(reply.bytes, key)
        expect(read).toMatchObject({ kind: "ACK", encrypted: key !== undefined })
        expect(answers(read, msg)).toBe(true)
      }),
      { numRuns: 2_000 }
    )
  })

  it("a damaged frame is not answered, so the transmitter sends it again", () => {
    fc.assert(
      fc.property(message, fc.nat(), fc.integer({ min: 1, max: 255 }), ({ msg, key, now }, at, flip) => {
        const bytes = encodeDc09(msg)
        const i = 1 + (at % (bytes.length - 2))
        const was = String.fromCharCode(bytes[i]!)
        bytes[i] = bytes[i]! ^ flip
        // The CRC and length are hex, read in either case: a case change there damages nothing.
        fc.pre(!(i < 9 && String.fromCharCode(bytes[i]!).toUpperCase() === was.toUpperCase()))
        const result = parseFrame(bytes, { now, keyFor: keyOf(key, msg.account) })
        expect(result._tag).toBe("Refused")
        expect(replyFor(result, { now, keyFor: keyOf(key, msg.account) }).kind).toBe("none")
      }),
      { numRuns: 2_000 }
    )
  })

  it("a frame cut short (truncated) or given extra bytes is not answered", () => {
    fc.assert(
      fc.property(message, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 10 }), ({ msg, key, now }, cut, extra) => {
        const bytes = encodeDc09(msg)
        const keyFor = keyOf(key, msg.account)
        const truncated = Uint8Array.from([...bytes.subarray(0, 1 + (cut % (bytes.length - 2))), 0x0d])
        expect(replyFor(parseFrame(truncated, { now, keyFor }), { now, keyFor }).kind).toBe("none")
        const longer = Uint8Array.from([...bytes.subarray(0, bytes.length - 1), ...extra, 0x0d])
        expect(replyFor(parseFrame(longer, { now, keyFor }), { now, keyFor }).kind).toBe("none")
      }),
      { numRuns: 1_000 }
    )
  })

  it("an encrypted frame replayed after the window is NAKed with the receiver's time, which the transmitter reads", () => {
    fc.assert(
      fc.property(message.filter(({ key }) => key !== undefined), fc.integer({ min: 41, max: 86_400 * 30 }), ({ msg, key }, laterS) => {
        const keyFor = keyOf(key, msg.account)
        const replayAt = msg.timestamp!.getTime() + laterS * 1000
        const result = parseFrame(encodeDc09(msg), { now: replayAt, keyFor })
        expect(result._tag === "Refused" && result.reason).toBe("timestamp_out_of_window")
        const reply = replyFor(result, { now: replayAt, keyFor })
        expect(reply.kind).toBe("NAK")
        if (reply.kind === "none") return
        expect(readDc09Reply(reply.bytes)).toMatchObject({ kind: "NAK", sequence: 0, timestamp: new Date(Math.floor(replayAt / 1000) * 1000) })
      }),
      { numRuns: 500 }
    )
  })

  it("a frame replayed or retransmitted inside the window is acknowledged again and collapses onto the same event id", () => {
    fc.assert(
      fc.property(message, fc.integer({ min: 0, max: 15 }), ({ msg, key, now }, laterS) => {
        // Still inside the window when it comes again.
        fc.pre(msg.timestamp === undefined || msg.timestamp.getTime() - (now + laterS * 1000) >= -40_000)
        const keyFor = keyOf(key, msg.account)
        const first = parseFrame(encodeDc09(msg), { now, keyFor })
        const again = parseFrame(encodeDc09(msg), { now: now + laterS * 1000, keyFor })
        expect(first._tag === "Parsed" && again._tag === "Parsed").toBe(true)
        if (first._tag !== "Parsed" || again._tag !== "Parsed" || msg.type === "NULL") return
        expect(eventIdOf(again.frame)).toBe(eventIdOf(first.frame))
        expect(replyFor(again, { now, keyFor }).kind).toBe("ACK")
      }),
      { numRuns: 1_000 }
    )
  })
})
