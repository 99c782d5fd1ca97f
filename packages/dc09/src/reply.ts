import { bytesOf } from "./bytes.ts"
import { cryptoRandomBytes, encryptBlocks, isValidKey, padFor, type RandomBytes, toHex } from "./cipher.ts"
import { crc16, hex4 } from "./crc.ts"
import type { FrameHeader, ParseResult, RefusalReason } from "./frame.ts"
import { formatTimestamp } from "./timestamp.ts"

/**
 * What the receiver sends back (ANSI/SIA DC-09-2013 5.5.3):
 * - `ACK` for a frame received without error, repeating its sequence, receiver, line and account;
 *   encrypted (`*ACK`, pad and timestamp inside) when the frame was encrypted;
 * - `NAK` when an encrypted frame's timestamp is outside the window: never encrypted, sequence 0000,
 *   `R0L0A0`, and the receiver's own time so the transmitter can correct its clock;
 * - `DUH` when an otherwise correctly received frame cannot be processed;
 * - nothing when the frame itself is damaged (bad CRC or length, no framing, no readable header):
 *   the transmitter then repeats it, which is what a damaged frame needs.
 */
export type ReplyKind = "ACK" | "NAK" | "DUH"
export type Reply =
  | { readonly kind: ReplyKind; readonly bytes: Uint8Array; readonly text: string }
  | { readonly kind: "none" }

export const ReplyForRefusal: { readonly [R in RefusalReason]: "NAK" | "DUH" | "none" } = {
  not_framed: "none",
  bad_length: "none",
  bad_crc: "none",
  malformed: "DUH",
  unknown_id: "DUH",
  no_key: "DUH",
  undecryptable: "DUH",
  encryption_required: "DUH",
  timestamp_missing: "DUH",
  timestamp_out_of_window: "NAK"
}

export interface ReplyOptions {
  /** The receiver's clock, epoch milliseconds (or a Date): the time NAK and encrypted ACK carry. */
  readonly now: number | Date
  /** Needed to encrypt the ACK of an encrypted frame. */
  readonly keyFor: (account: string) => Uint8Array | undefined
  /** Pad source; cryptographic randomness unless a test fixes it. */
  readonly randomBytes?: RandomBytes
}

/** `<LF>` CRC `0LLL` body `<CR>`, for any body of at most 0xFFF characters. */
export const frameOf = (body: string): { readonly bytes: Uint8Array; readonly text: string } => {
  if (body.length > 0xfff) throw new RangeError("a DC-09 frame body holds at most 4095 characters")
  const bodyBytes = bytesOf(body)
  const text = `\n${hex4(crc16(bodyBytes))}${hex4(body.length)}${body}\r`
  return { bytes: bytesOf(text), text }
}

const reply = (kind: ReplyKind, body: string): Reply => ({ kind, ...frameOf(body) })

const epoch = (now: number | Date): number => (typeof now === "number" ? now : now.getTime())

const addressOf = (h: Pick<FrameHeader, "receiver" | "line" | "account">): string =>
  `${h.receiver === undefined ? "" : `R${h.receiver}`}L${h.line}#${h.account}`

type Addressed = Pick<FrameHeader, "encrypted" | "sequence" | "receiver" | "line" | "account">

/** DUH: `"DUH"seq[Rrcvr]Lline#acct[]`, never encrypted. */
export const duhFor = (header: Pick<FrameHeader, "sequence" | "receiver" | "line" | "account">): Reply =>
  reply("DUH", `"DUH"${header.sequence}${addressOf(header)}[]`)

/** NAK: `"NAK"0000R0L0A0[]_HH:MM:SS,MM-DD-YYYY` with the receiver's time. */
export const nakAt = (now: number | Date): Reply => reply("NAK", `"NAK"0000R0L0A0[]_${formatTimestamp(epoch(now))}`)

/**
 * ACK for an accepted frame. An encrypted frame gets `"*ACK"seq…#acct[` and the encrypted
 * pad, `|`, `]` and the receiver's timestamp; if the account's key is gone by now the frame
 * cannot be answered in kind, so it gets a DUH and will be sent again.
 */
export const ackFor = (frame: Addressed, options: ReplyOptions): Reply => {
  if (!frame.encrypted) return reply("ACK", `"ACK"${frame.sequence}${addressOf(frame)}[]`)
  const key = options.keyFor(frame.account)
  if (key === undefined || !isValidKey(key)) return duhFor(frame)
  const rest = `|]_${formatTimestamp(epoch(options.now))}`
  const plain = padFor(rest.length, options.randomBytes ?? cryptoRandomBytes) + rest
  return reply("ACK", `"*ACK"${frame.sequence}${addressOf(frame)}[${toHex(encryptBlocks(key, bytesOf(plain)))}`)
}

/** The answer to a parse result, per the standard (see `ReplyForRefusal`). */
export const replyFor = (result: ParseResult, options: ReplyOptions): Reply => {
  if (result._tag === "Parsed") return ackFor(result.frame, options)
  switch (ReplyForRefusal[result.reason]) {
    case "NAK":
      return nakAt(options.now)
    case "DUH":
      return result.header === undefined ? { kind: "none" } : duhFor(result.header)
    case "none":
      return { kind: "none" }
  }
}
