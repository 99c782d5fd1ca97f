import { describe, expect, it } from "@effect/vitest"
import { createCipheriv } from "node:crypto"
import { contactIdData, dc09Timestamp, encodeDc09, siaDcsData } from "../../../simulators/devices/src/protocols/dc09-transmitter.ts"
import { frameOf, MaxFrameBytes, parseFrame, type ParseResult, replyFor } from "./index.ts"

const now = Date.UTC(2026, 11, 1, 12, 0, 0)
const key16 = Uint8Array.from({ length: 16 }, (_, i) => i + 1)
const noKeys = { now, keyFor: () => undefined }
const withKey = (account: string, key: Uint8Array) => ({ now, keyFor: (a: string) => (a === account ? key : undefined) })
const at = (offsetS: number) => new Date(now + offsetS * 1000)

const reasonOf = (r: ParseResult) => (r._tag === "Refused" ? r.reason : "parsed")
const replyKind = (r: ParseResult, keyFor: (a: string) => Uint8Array | undefined = () => undefined) => replyFor(r, { now, keyFor }).kind

/** Encrypts a region by hand, for layouts the transmitter will not produce. */
const encryptedFrame = (head: string, plain: string, key: Uint8Array): string => {
  const cipher = createCipheriv("aes-128-cbc", key, new Uint8Array(16)).setAutoPadding(false)
  const hex = Buffer.concat([cipher.update(Buffer.from(plain, "latin1")), cipher.final()]).toString("hex").toUpperCase()
  return frameOf(`${head}${hex}`).text
}

describe("refusals and what they are answered", () => {
  it.each([
    ["no <LF>", `F4D20029"SIA-DCS"0001RF3L77#1234[#1234|NRR|Atest]\r`, "not_framed"],
    ["no <CR>", `\nF4D20029"SIA-DCS"0001RF3L77#1234[#1234|NRR|Atest]`, "not_framed"],
    ["too short", `\n\r`, "not_framed"],
    ["length off by one", `\nF4D20028"SIA-DCS"0001RF3L77#1234[#1234|NRR|Atest]\r`, "bad_length"],
    ["length in decimal (a known vendor quirk)", `\n57150047"ADM-CID"0247R4F39L4F39#4F39[#4F39|3401 01 057]\r`, "bad_length"],
    ["length not 0LLL", `\nF4D21029"SIA-DCS"0001RF3L77#1234[#1234|NRR|Atest]\r`, "bad_length"],
    ["CRC wrong", `\nF4D30029"SIA-DCS"0001RF3L77#1234[#1234|NRR|Atest]\r`, "bad_crc"],
    ["CRC not hex", `\nF4DX0029"SIA-DCS"0001RF3L77#1234[#1234|NRR|Atest]\r`, "bad_crc"],
    ["header unreadable (3-digit sequence)", frameOf(`"SIA-DCS"001L0#1234[]`).text, "malformed"],
    ["account too short", frameOf(`"SIA-DCS"0001L0#12[]`).text, "malformed"],
    ["no line prefix", frameOf(`"SIA-DCS"0001R1#1234[]`).text, "malformed"]
  ])("%s: refused as %s, nothing answered (the transmitter repeats a damaged frame)", (_, frame, reason) => {
    const result = parseFrame(frame, noKeys)
    expect(reasonOf(result)).toBe(reason)
    expect(replyKind(result)).toBe("none")
  })

  it("a frame longer than any DC-09 frame can be is refused without being read", () => {
    const huge = new Uint8Array(MaxFrameBytes + 100).fill(0x41)
    huge[0] = 0x0a
    huge[huge.length - 1] = 0x0d
    expect(reasonOf(parseFrame(huge, noKeys))).toBe("bad_length")
  })

  it.each([
    ["unknown id", `"FOO"0042R12L3#ABC12[]`, "unknown_id"],
    ["an ACK sent to the receiver", `"ACK"0042R12L3#ABC12[]`, "unknown_id"],
    ["SIA data without an event code", `"SIA-DCS"0042R12L3#ABC12[#ABC12|N12]`, "malformed"],
    ["SIA data block of an unknown kind", `"SIA-DCS"0042R12L3#ABC12[#ABC12|Q12]`, "malformed"],
    ["Contact ID qualifier 9", `"ADM-CID"0042R12L3#ABC12[#ABC12|9110 00 001]`, "malformed"],
    ["Contact ID without spaces", `"ADM-CID"0042R12L3#ABC12[#ABC12|111000001]`, "malformed"],
    ["text after the data", `"SIA-DCS"0042R12L3#ABC12[#ABC12|NFA1]x`, "malformed"],
    ["no ] closes the data", `"SIA-DCS"0042R12L3#ABC12[#ABC12|NFA1`, "malformed"],
    ["an impossible timestamp", `"NULL"0042R12L3#ABC12[]_25:00:00,12-01-2026`, "malformed"],
    ["30 February", `"NULL"0042R12L3#ABC12[]_12:00:00,02-30-2026`, "malformed"],
    ["a control character", `"SIA-DCS"0042R12L3#ABC12[#ABC12|NFA1\t]`, "malformed"]
  ])("%s: refused as %s and answered DUH with the sender's sequence, receiver, line and account", (_, body, reason) => {
    const result = parseFrame(frameOf(body).text, noKeys)
    expect(reasonOf(result)).toBe(reason)
    const reply = replyFor(result, { now, keyFor: () => undefined })
    expect(reply.kind === "DUH" && reply.text).toBe(frameOf(`"DUH"0042R12L3#ABC12[]`).text)
  })

  it("an unencrypted frame from an account that has a key is refused (DUH): no downgrade past encryption", () => {
    const frame = encodeDc09({ type: "NULL", sequence: 7, line: "1", account: "C0FFEE", timestamp: at(0) })
    const result = parseFrame(frame, withKey("C0FFEE", key16))
    expect(reasonOf(result)).toBe("encryption_required")
    expect(replyKind(result)).toBe("DUH")
  })

  it("an encrypted frame for an account without a key, or with a key of a wrong size, is no_key (DUH)", () => {
    const frame = encodeDc09({ type: "NULL", sequence: 7, line: "1", account: "C0FFEE", timestamp: at(0), key: key16 })
    expect(reasonOf(parseFrame(frame, noKeys))).toBe("no_key")
    expect(reasonOf(parseFrame(frame, withKey("C0FFEE", new Uint8Array(15))))).toBe("no_key")
    expect(reasonOf(parseFrame(frame, { now, keyFor: () => { throw new Error("registry down") } }))).toBe("no_key")
    expect(replyKind(parseFrame(frame, noKeys))).toBe("DUH")
  })

  it("an encrypted frame under another key is undecryptable (DUH), as is one whose cipher text is not hex blocks", () => {
    // A fixed pad: DC-09 has no MAC, so a wrong key is told only by what it decrypts to not reading
    // as a frame. Under a random pad that text was random on every run, and now and then it read as
    // one (refused later as malformed): this test failed one CI run in many.
    const frame = encodeDc09({
      type: "SIA-DCS", sequence: 7, line: "1", account: "C0FFEE", data: siaDcsData("C0FFEE", [{ code: "QA", zone: "1" }]), timestamp: at(0), key: key16,
      padBytes: (n) => new Uint8Array(n).fill(0x41)
    })
    const other = Uint8Array.from({ length: 16 }, () => 0x55)
    expect(reasonOf(parseFrame(frame, withKey("C0FFEE", other)))).toBe("undecryptable")
    expect(reasonOf(parseFrame(frameOf(`"*NULL"0007L1#C0FFEE[0123`).text, withKey("C0FFEE", key16)))).toBe("undecryptable")
    expect(reasonOf(parseFrame(frameOf(`"*NULL"0007L1#C0FFEE[${"Z".repeat(32)}`).text, withKey("C0FFEE", key16)))).toBe("undecryptable")
    expect(replyKind(parseFrame(frame, withKey("C0FFEE", other)))).toBe("DUH")
  })

  it("an encrypted frame without a timestamp is refused (DUH): the standard requires one", () => {
    const frame = encryptedFrame(`"*NULL"0007L1#C0FFEE[`, "ABCDEFGHIJKLMN|]", key16)
    const result = parseFrame(frame, withKey("C0FFEE", key16))
    expect(reasonOf(result)).toBe("timestamp_missing")
    expect(replyKind(result, () => key16)).toBe("DUH")
  })
})

describe("the timestamp window (+20 s / -40 s)", () => {
  const encrypted = (offsetS: number) =>
    encodeDc09({ type: "ADM-CID", sequence: 12, line: "0", account: "C0FFEE", data: contactIdData("C0FFEE", { qualifier: 1, code: "101", zone: "001" }), timestamp: at(offsetS), key: key16 })

  it.each([[-40, "parsed"], [-39, "parsed"], [0, "parsed"], [20, "parsed"], [-41, "timestamp_out_of_window"], [21, "timestamp_out_of_window"], [-86_400, "timestamp_out_of_window"]])(
    "an encrypted frame stamped %i s from the receiver's clock: %s",
    (offsetS, expected) => {
      const result = parseFrame(encrypted(offsetS), withKey("C0FFEE", key16))
      expect(reasonOf(result)).toBe(expected)
      expect(replyKind(result, () => key16)).toBe(expected === "parsed" ? "ACK" : "NAK")
    }
  )

  it("the NAK carries the receiver's time, sequence 0000 and R0L0A0, unencrypted", () => {
    const reply = replyFor(parseFrame(encrypted(-300), withKey("C0FFEE", key16)), { now, keyFor: () => key16 })
    expect(reply.kind === "NAK" && reply.text).toBe(frameOf(`"NAK"0000R0L0A0[]_${dc09Timestamp(new Date(now))}`).text)
  })

  it("a window can be set: 5 s each way", () => {
    const opts = { ...withKey("C0FFEE", key16), windowS: { past: 5, future: 5 } }
    expect(reasonOf(parseFrame(encrypted(-5), opts))).toBe("parsed")
    expect(reasonOf(parseFrame(encrypted(-6), opts))).toBe("timestamp_out_of_window")
    expect(reasonOf(parseFrame(encrypted(6), opts))).toBe("timestamp_out_of_window")
  })

  it("an unencrypted frame stamped outside the window is accepted (not lost), marked, with the skew", () => {
    const frame = encodeDc09({ type: "SIA-DCS", sequence: 3, line: "0", account: "1234", data: siaDcsData("1234", [{ code: "FA", zone: "129" }]), timestamp: at(-3600) })
    const result = parseFrame(frame, noKeys)
    expect(result._tag === "Parsed" && result.frame).toMatchObject({ timestampInWindow: false, clockSkewS: -3600 })
    expect(replyKind(result)).toBe("ACK")
  })
})

describe("encrypted layout", () => {
  it("reads pad | data ] timestamp with a binary pad (any byte but | [ ])", () => {
    const pad = "\x00\x01\xff\x0d\x0a\x7f#AB"
    const rest = `|#C0FFEE|NQA1]_${dc09Timestamp(at(0))}`
    const fill = "x".repeat(16 - ((pad.length + rest.length) % 16))
    const result = parseFrame(encryptedFrame(`"*SIA-DCS"0001L0#C0FFEE[`, fill + pad + rest, key16), withKey("C0FFEE", key16))
    expect(result._tag === "Parsed" && result.frame.data).toBe("#C0FFEE|NQA1")
  })

  it("accepts an empty-data region whose pad ends at ] without the | (as some implementations write it)", () => {
    const rest = `]_${dc09Timestamp(at(0))}`
    const result = parseFrame(encryptedFrame(`"*NULL"0001L0#C0FFEE[`, "0".repeat(32 - rest.length) + rest, key16), withKey("C0FFEE", key16))
    expect(result._tag === "Parsed" && result.frame.content).toEqual({ _tag: "Null" })
  })

  it("reads decrypted plaintexts of the shape real panels send (pysiaalarm's test data)", () => {
    for (const pad of ["v V", " HM", "T,o "]) {
      const rest = `|#EA1984|Nri0/RP0000]_${dc09Timestamp(at(-2))}`
      const fill = "q".repeat((16 - ((pad.length + rest.length) % 16)) % 16)
      const result = parseFrame(encryptedFrame(`"*SIA-DCS"0001L0#EA1984[`, fill + pad + rest, key16), withKey("EA1984", key16))
      expect(result._tag === "Parsed" && result.frame.content).toEqual({ _tag: "SIA", account: "EA1984", events: [{ code: "RP", address: "0000", area: "0" }], texts: [] })
    }
  })
})

describe("data content", () => {
  const sia = (data: string) => {
    const r = parseFrame(frameOf(`"SIA-DCS"0001L0#1234[${data}]`).text, noKeys)
    return r._tag === "Parsed" ? r.frame.content : r.detail
  }

  it.each([
    ["#1234|Nri1/BA01/BA02", [{ code: "BA", address: "01", area: "1" }, { code: "BA", address: "02", area: "1" }]],
    ["#1234|Nti20:50:26RP99", [{ code: "RP", address: "99", time: "20:50:26" }]],
    ["#1234|Nri1CL0^VX FRONTE ^", [{ code: "CL", address: "0", area: "1", text: "VX FRONTE " }]],
    ["#1234|Nid12ri1OP", [{ code: "OP", address: "", user: "12", area: "1" }]],
    ["#1234|NQA1QH1", [{ code: "QA", address: "1" }, { code: "QH", address: "1" }]],
    ["Nri2/FA129", [{ code: "FA", address: "129", area: "2" }]]
  ])("SIA-DCS %s", (data, events) => {
    expect(sia(data)).toMatchObject({ _tag: "SIA", events })
  })

  it("keeps the account inside the data and the A text blocks", () => {
    expect(sia("#98765|NMA5|Afall in bathroom")).toEqual({ _tag: "SIA", account: "98765", events: [{ code: "MA", address: "5" }], texts: ["fall in bathroom"] })
  })

  it("reads extended data blocks after the data", () => {
    const r = parseFrame(frameOf(`"SIA-DCS"0001L0#1234[#1234|NQA1][X10.7522][Y59.9139][M0011223344AA]`).text, noKeys)
    expect(r._tag === "Parsed" && r.frame.extended).toEqual([{ id: "X", value: "10.7522" }, { id: "Y", value: "59.9139" }, { id: "M", value: "0011223344AA" }])
  })

  it("reads Contact ID with every qualifier", () => {
    for (const q of ["1", "3", "6"] as const) {
      const r = parseFrame(frameOf(`"ADM-CID"0001L0#1234[#1234|${q}101 01 015]`).text, noKeys)
      expect(r._tag === "Parsed" && r.frame.content).toEqual({ _tag: "CID", account: "1234", qualifier: q, event: "101", partition: "01", zone: "015" })
    }
  })

  it("strings and bytes give the same result", () => {
    const text = `\nF4D20029"SIA-DCS"0001RF3L77#1234[#1234|NRR|Atest]\r`
    expect(parseFrame(Uint8Array.from(text, (c) => c.charCodeAt(0)), noKeys)).toEqual(parseFrame(text, noKeys))
    expect(reasonOf(parseFrame("\n\u20ac\r", noKeys))).toBe("not_framed")
  })
})
