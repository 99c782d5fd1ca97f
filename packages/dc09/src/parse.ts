import { CR, latin1, LF } from "./bytes.ts"
import { decryptBlocks, fromHex, isValidKey } from "./cipher.ts"
import { crc16 } from "./crc.ts"
import { readContent, readSection, type Section } from "./data.ts"
import { type FrameHeader, type MessageId, MessageIds, type ParseResult, type RefusalReason } from "./frame.ts"
import { parseTimestamp, StandardWindow, type TimestampWindow } from "./timestamp.ts"

export interface ParseOptions {
  /** The receiver's clock, epoch milliseconds (or a Date). */
  readonly now: number | Date
  /**
   * The AES key of an account (16, 24 or 32 bytes), or undefined when the account has none.
   * An account with a key must encrypt: its unencrypted frames are refused.
   */
  readonly keyFor: (account: string) => Uint8Array | undefined
  /** Seconds a timestamp may lie before / after the receiver's clock; the standard's 40 / 20 by default. */
  readonly windowS?: TimestampWindow
}

/** `<LF>` + CRC + `0LLL` + at most 0xFFF characters + `<CR>`: no frame is longer. */
export const MaxFrameBytes = 1 + 4 + 4 + 0xfff + 1
const MinFrameBytes = 1 + 4 + 4 + 1

const LengthField = /^0[0-9A-Fa-f]{3}$/u
const CrcField = /^[0-9A-Fa-f]{4}$/u
// "<id>"<seq>[R<rcvr>]L<line>#<acct>[ — R and L are 1–6 hex digits, the account 3–16.
const Header = /^"(\*?)([^"]{0,32})"(\d{4})(?:R([0-9A-Fa-f]{1,6}))?L([0-9A-Fa-f]{1,6})#([0-9A-Fa-f]{3,16})\[/u
// Control characters never belong inside a frame; bytes from 0x80 may (Windows-1252 text).
const ControlCharacter = /[\x00-\x1f\x7f]/u

const refuse = (reason: RefusalReason, detail: string, header?: FrameHeader): ParseResult => ({
  _tag: "Refused",
  reason,
  detail,
  header
})

const isMessageId = (token: string): token is MessageId => (MessageIds as ReadonlyArray<string>).includes(token)

/**
 * Read one frame, `<LF>` … `<CR>` inclusive (one datagram, or one item of the TCP splitter).
 * Every input, whatever its bytes, gives a result: a frame to acknowledge or a refusal with
 * its reason; `replyFor` says what the transmitter is told.
 */
export const parseFrame = (input: Uint8Array | string, options: ParseOptions): ParseResult => {
  try {
    return parse(input, options)
  } catch {
    // Unreachable by the fuzz tests; a last guard so one frame can never take a receiver down.
    return refuse("malformed", "internal parser error")
  }
}

const parse = (input: Uint8Array | string, options: ParseOptions): ParseResult => {
  if (typeof input === "string" && /[^\x00-\xff]/u.test(input)) return refuse("not_framed", "text with characters outside one byte")
  const text = typeof input === "string" ? input : latin1(input.length > MaxFrameBytes + 1 ? input.subarray(0, MaxFrameBytes + 1) : input)
  const size = input.length
  if (size < MinFrameBytes || text.charCodeAt(0) !== LF || (size <= MaxFrameBytes && text.charCodeAt(size - 1) !== CR)) {
    return refuse("not_framed", "a frame runs from <LF> to <CR>")
  }
  if (size > MaxFrameBytes) return refuse("bad_length", `longer than the ${MaxFrameBytes} bytes a frame can have`)

  const lengthField = text.slice(5, 9)
  if (!LengthField.test(lengthField)) return refuse("bad_length", "length field is not 0 and three hex digits")
  const body = text.slice(9, size - 1)
  if (Number.parseInt(lengthField, 16) !== body.length) return refuse("bad_length", `length field says ${Number.parseInt(lengthField, 16)}, the frame has ${body.length}`)
  const crcField = text.slice(1, 5)
  if (!CrcField.test(crcField)) return refuse("bad_crc", "CRC field is not four hex digits")
  const bytes = typeof input === "string" ? Uint8Array.from(body, (c) => c.charCodeAt(0)) : input.subarray(9, size - 1)
  if (crc16(bytes) !== Number.parseInt(crcField, 16)) return refuse("bad_crc", "CRC does not match the frame")

  const m = Header.exec(body)
  if (m === null) return refuse("malformed", "header is not \"id\"seq[Rrcvr]Lline#acct[")
  const header: FrameHeader = {
    token: m[2]!,
    encrypted: m[1] === "*",
    sequence: m[3]!,
    receiver: m[4],
    line: m[5]!,
    account: m[6]!
  }
  if (ControlCharacter.test(body)) return refuse("malformed", "control character inside the frame", header)
  if (!isMessageId(header.token)) return refuse("unknown_id", "id is not SIA-DCS, ADM-CID or NULL", header)
  const messageId = header.token

  let key: Uint8Array | undefined
  try {
    key = options.keyFor(header.account)
  } catch {
    return refuse("no_key", "the key lookup failed", header)
  }
  const rest = body.slice(m[0].length)

  let section: Section
  if (header.encrypted) {
    if (key === undefined) return refuse("no_key", "encrypted frame for an account without a key", header)
    if (!isValidKey(key)) return refuse("no_key", "the account's key is not 16, 24 or 32 bytes", header)
    const cipherText = fromHex(rest)
    if (cipherText === undefined || cipherText.length % 16 !== 0 || cipherText.length === 0) {
      return refuse("undecryptable", "encrypted part is not whole AES blocks in hex", header)
    }
    const plain = latin1(decryptBlocks(key, cipherText) ?? new Uint8Array())
    const read = afterPad(plain)
    if (typeof read === "string") return refuse("undecryptable", read, header)
    section = read
  } else {
    if (key !== undefined) return refuse("encryption_required", "unencrypted frame for an account that encrypts", header)
    const read = readSection(rest)
    if (typeof read === "string") return refuse("malformed", read, header)
    section = read
  }

  const now = typeof options.now === "number" ? options.now : options.now.getTime()
  const window = options.windowS ?? StandardWindow
  let timestamp: { readonly text: string; readonly epochMs: number } | undefined
  let clockSkewS: number | undefined
  let timestampInWindow = true
  if (section.timestamp !== undefined) {
    const epochMs = parseTimestamp(section.timestamp)
    if (epochMs === undefined) return refuse("malformed", "timestamp is not a UTC HH:MM:SS,MM-DD-YYYY", header)
    timestamp = { text: section.timestamp, epochMs }
    clockSkewS = (epochMs - now) / 1000
    timestampInWindow = clockSkewS <= window.future && clockSkewS >= -window.past
  }
  if (header.encrypted) {
    if (timestamp === undefined) return refuse("timestamp_missing", "an encrypted frame must carry a timestamp", header)
    if (!timestampInWindow) {
      return refuse("timestamp_out_of_window", `timestamp is ${clockSkewS!.toFixed(0)} s from the receiver's clock`, header)
    }
  }

  const content = readContent(messageId, section.data)
  if (typeof content === "string") return refuse("malformed", content, header)
  return {
    _tag: "Parsed",
    frame: {
      ...header,
      messageId,
      data: section.data,
      content,
      extended: section.extended,
      timestamp,
      clockSkewS,
      timestampInWindow,
      text
    }
  }
}

/**
 * The decrypted region is pad, `|`, data, `]` …: the pad holds no `|`, `[` or `]`, so the
 * first of them ends it. A `]` first is read as empty data whose `|` the sender left out
 * (seen in replies of some implementations); a `[` first, or anything unreadable after the
 * pad, is what a wrong key produces.
 */
const afterPad = (plain: string): Section | string => {
  const end = plain.search(/[|[\]]/u)
  if (end < 0 || plain[end] === "[") return "no pad terminator after decryption (wrong key?)"
  const region = plain.slice(plain[end] === "|" ? end + 1 : end)
  if (ControlCharacter.test(region)) return "decrypted data is not text (wrong key?)"
  const section = readSection(region)
  return typeof section === "string" ? `decrypted data: ${section}` : section
}
