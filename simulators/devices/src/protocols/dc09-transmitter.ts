import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto"

/**
 * A SIA DC-09 premises transmitter (ANSI/SIA DC-09-2013) for the device simulator and for
 * tests of the receiver. Written apart from `@wt/dc09` on purpose: a receiver tested only
 * against its own encoder proves nothing, so this file shares no code with it (its CRC is
 * computed bit by bit, the receiver's from a table).
 *
 * A frame: `<LF>` CRC `0LLL` `"id"seq[Rrcvr]Lline#acct[data]…[_timestamp]` `<CR>`; encrypted,
 * the id gets a `*` and everything after `[` is AES-CBC (zero IV) over pad `|` data `]`
 * extended data and timestamp, written as hex.
 */
export type Dc09MessageType = "SIA-DCS" | "ADM-CID" | "NULL"

export interface Dc09Message {
  readonly type: Dc09MessageType
  /** 0–9999; a transmitter counts 0001…9999 and repeats the number when it resends. */
  readonly sequence: number
  /** Hex, 1–6 digits; left out when undefined. */
  readonly receiver?: string
  /** Account prefix (line), hex, 1–6 digits. */
  readonly line: string
  /** Hex, 3–16 digits. */
  readonly account: string
  /** What goes between `[` and `]`, e.g. from `siaDcsData` or `contactIdData`; empty for NULL. */
  readonly data?: string
  /** Extended data blocks without brackets, e.g. `X10.7522`, `Y59.9139`. */
  readonly extended?: ReadonlyArray<string>
  /** Sent as `_HH:MM:SS,MM-DD-YYYY` (UTC); required when encrypting. */
  readonly timestamp?: Date
  /** AES key (16, 24 or 32 bytes): the message is encrypted. */
  readonly key?: Uint8Array
  /** Source of pad bytes; random by default. Values `|`, `[` and `]` are replaced. */
  readonly padBytes?: (n: number) => Uint8Array
}

/** CRC-16/ARC, bit by bit (poly 0xA001 reflected, init 0). */
export const crc16Arc = (bytes: Uint8Array): number => {
  let crc = 0
  for (const byte of bytes) {
    crc ^= byte
    for (let bit = 0; bit < 8; bit++) crc = (crc & 1) !== 0 ? (crc >>> 1) ^ 0xa001 : crc >>> 1
  }
  return crc
}

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff)
const hex4 = (n: number) => n.toString(16).toUpperCase().padStart(4, "0")
const pad2 = (n: number) => String(n).padStart(2, "0")

/** `HH:MM:SS,MM-DD-YYYY` in UTC. */
export const dc09Timestamp = (at: Date): string =>
  `${pad2(at.getUTCHours())}:${pad2(at.getUTCMinutes())}:${pad2(at.getUTCSeconds())},${pad2(at.getUTCMonth() + 1)}-${pad2(at.getUTCDate())}-${at.getUTCFullYear()}`

const cipherName = (key: Uint8Array): string => {
  if (key.length === 16 || key.length === 24 || key.length === 32) return `aes-${key.length * 8}-cbc`
  throw new RangeError("a DC-09 key has 16, 24 or 32 bytes")
}

const Forbidden = new Set([0x7c, 0x5b, 0x5d]) // | [ ]

/** The pad the standard asks for: 1–16 bytes, none of them `|`, `[` or `]`. */
const padOf = (regionLength: number, source: (n: number) => Uint8Array): Uint8Array => {
  const n = 16 - (regionLength % 16)
  return Uint8Array.from(source(n).subarray(0, n), (b) => (Forbidden.has(b) ? 0x41 : b))
}

/** Wraps a body in `<LF>` CRC `0LLL` … `<CR>`. */
export const wrapDc09 = (body: string): string => {
  if (body.length > 0xfff) throw new RangeError("a DC-09 body has at most 4095 characters")
  return `\n${hex4(crc16Arc(ascii(body)))}${hex4(body.length)}${body}\r`
}

/** The frame as text (one character per byte). */
export const encodeDc09Text = (message: Dc09Message): string => {
  const address = `${message.receiver === undefined ? "" : `R${message.receiver}`}L${message.line}#${message.account}`
  const sequence = String(message.sequence).padStart(4, "0")
  const extended = (message.extended ?? []).map((x) => `[${x}]`).join("")
  const stamp = message.timestamp === undefined ? "" : `_${dc09Timestamp(message.timestamp)}`
  const region = `${message.data ?? ""}]${extended}${stamp}`
  if (message.key === undefined) return wrapDc09(`"${message.type}"${sequence}${address}[${region}`)
  if (message.timestamp === undefined) throw new Error("an encrypted DC-09 message needs a timestamp")
  const afterPad = ascii(`|${region}`)
  const pad = padOf(afterPad.length, message.padBytes ?? ((n) => new Uint8Array(randomBytes(n))))
  const plain = new Uint8Array(pad.length + afterPad.length)
  plain.set(pad)
  plain.set(afterPad, pad.length)
  const cipher = createCipheriv(cipherName(message.key), message.key, new Uint8Array(16)).setAutoPadding(false)
  const encrypted = Buffer.concat([cipher.update(plain), cipher.final()]).toString("hex").toUpperCase()
  return wrapDc09(`"*${message.type}"${sequence}${address}[${encrypted}`)
}

export const encodeDc09 = (message: Dc09Message): Uint8Array => ascii(encodeDc09Text(message))

/** One DC-03 event: a two-letter code with its zone/user number; `area` becomes `ri`, `user` `id`. */
export interface SiaEventSpec {
  readonly code: string
  readonly zone?: string
  readonly area?: string
  readonly user?: string
  readonly text?: string
}

/** SIA-DCS data: `#acct|N[ri…][id…]CODEzone[^text^]/…[|Atext]`. */
export const siaDcsData = (account: string, events: ReadonlyArray<SiaEventSpec>, text?: string): string => {
  const items = events.map((e) =>
    `${e.area === undefined ? "" : `ri${e.area}/`}${e.user === undefined ? "" : `id${e.user}/`}${e.code}${e.zone ?? ""}${e.text === undefined ? "" : `^${e.text}^`}`
  )
  return `#${account}|N${items.join("/")}${text === undefined ? "" : `|A${text}`}`
}

/** ADM-CID data: `#acct|QEEE GG CCC` (Q 1 new, 3 restore, 6 still present). */
export const contactIdData = (
  account: string,
  event: { readonly qualifier: 1 | 3 | 6; readonly code: string; readonly partition?: string; readonly zone?: string }
): string => `#${account}|${event.qualifier}${event.code} ${(event.partition ?? "00").padStart(2, "0")} ${(event.zone ?? "000").padStart(3, "0")}`

/** What the receiver answered. */
export type Dc09Reply =
  | {
    readonly kind: "ACK" | "DUH" | "NAK"
    readonly encrypted: boolean
    readonly sequence: number
    readonly receiver: string | undefined
    readonly line: string
    readonly account: string
    /** The receiver's clock, when the reply carries it (NAK, encrypted ACK). */
    readonly timestamp: Date | undefined
  }
  | { readonly kind: "invalid"; readonly reason: string }

const invalid = (reason: string): Dc09Reply => ({ kind: "invalid", reason })

const ReplyHeader = /^"(\*?)(ACK|NAK|DUH)"(\d{4})(?:R([0-9A-F]{1,6}))?L([0-9A-F]{1,6})(?:#([0-9A-F]{3,16})|A0)\[/u
const StampText = /^(\d{2}):(\d{2}):(\d{2}),(\d{2})-(\d{2})-(\d{4})$/u

const readStamp = (text: string): Date | undefined => {
  const m = StampText.exec(text)
  if (m === null) return undefined
  const [h, mi, s, mo, d, y] = m.slice(1).map(Number) as [number, number, number, number, number, number]
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s))
}

/**
 * Reads a receiver's reply the way a transmitter must before it stops resending: framing,
 * length, CRC, then the token; an encrypted ACK is decrypted with the account's key and must
 * carry a timestamp.
 */
export const readDc09Reply = (bytes: Uint8Array, key?: Uint8Array): Dc09Reply => {
  const text = String.fromCharCode(...bytes)
  if (text.length < 10 || text[0] !== "\n" || text[text.length - 1] !== "\r") return invalid("not framed <LF> … <CR>")
  const body = text.slice(9, -1)
  if (Number.parseInt(text.slice(5, 9), 16) !== body.length || !/^0[0-9A-F]{3}$/u.test(text.slice(5, 9))) return invalid("length")
  if (!/^[0-9A-F]{4}$/u.test(text.slice(1, 5)) || Number.parseInt(text.slice(1, 5), 16) !== crc16Arc(ascii(body))) return invalid("crc")
  const m = ReplyHeader.exec(body)
  if (m === null) return invalid("header")
  const encrypted = m[1] === "*"
  const kind = m[2] as "ACK" | "NAK" | "DUH"
  let region = body.slice(m[0].length)
  if (encrypted) {
    if (kind !== "ACK") return invalid("only an ACK is encrypted")
    if (key === undefined) return invalid("encrypted reply without a key")
    if (!/^(?:[0-9A-F]{32})+$/u.test(region)) return invalid("encrypted part is not hex blocks")
    const decipher = createDecipheriv(cipherName(key), key, new Uint8Array(16)).setAutoPadding(false)
    const plain = Buffer.concat([decipher.update(Buffer.from(region, "hex")), decipher.final()]).toString("latin1")
    const padEnd = plain.search(/[|[\]]/u)
    if (padEnd < 0 || plain[padEnd] === "[") return invalid("no pad terminator")
    region = plain.slice(plain[padEnd] === "|" ? padEnd + 1 : padEnd)
  }
  if (!region.startsWith("]")) return invalid("data of a reply is not empty")
  const after = region.slice(1)
  const timestamp = after.startsWith("_") ? readStamp(after.slice(1)) : undefined
  if (after.length > 0 && timestamp === undefined) return invalid("unreadable timestamp")
  if ((kind === "NAK" || encrypted) && timestamp === undefined) return invalid("NAK and encrypted ACK carry the receiver's time")
  return {
    kind,
    encrypted,
    sequence: Number(m[3]),
    receiver: m[4],
    line: m[5]!,
    account: m[6] ?? "0",
    timestamp
  }
}

/** An ACK or DUH answers this message when it repeats its sequence and account (a NAK answers any). */
export const answers = (reply: Dc09Reply, message: Dc09Message): boolean =>
  reply.kind === "NAK" || (reply.kind !== "invalid" && reply.sequence === message.sequence && reply.account === message.account &&
    reply.line === message.line && reply.receiver === message.receiver)
