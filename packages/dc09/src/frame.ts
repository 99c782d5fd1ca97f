/** What a DC-09 receiver reads from one frame (ANSI/SIA DC-09-2013 5.5). */

/** The message types a premises transmitter sends; `*` on the wire marks them encrypted. */
export const MessageIds = ["SIA-DCS", "ADM-CID", "NULL"] as const
export type MessageId = (typeof MessageIds)[number]

/** Who sent a frame: the registry finds the device by these (the account above all). */
export interface SenderIdentity {
  /** `R` field, hex without the letter; absent when the transmitter left it out. */
  readonly receiver: string | undefined
  /** `L` field (account prefix / line), hex without the letter. */
  readonly line: string
  /** `#` field, 3–16 hex digits, as sent. */
  readonly account: string
}

/** The header of a frame whose CRC and length held: enough to answer it with a DUH. */
export interface FrameHeader extends SenderIdentity {
  /** The id token without the `*`, as sent (may be one this receiver does not know). */
  readonly token: string
  readonly encrypted: boolean
  /** Four decimal digits, as sent; the reply repeats it. */
  readonly sequence: string
}

/** One DC-03 (SIA) event of a `SIA-DCS` message, e.g. `ri1/BA01` or `ti20:50:26RP99`. */
export interface SiaEvent {
  /** Two-letter event code, e.g. `QA`. */
  readonly code: string
  /** Zone, user or area number after the code, as sent (may be empty). */
  readonly address: string
  /** `ri` modifier: area / partition. */
  readonly area?: string
  /** `id` modifier: user number. */
  readonly user?: string
  /** `ti` modifier: the panel's own clock, `hh:mm` or `hh:mm:ss`. */
  readonly time?: string
  /** `^…^` text after the address (a zone or user name). */
  readonly text?: string
}

export interface SiaContent {
  readonly _tag: "SIA"
  /** The account repeated inside the data (`#acct|`), when present. */
  readonly account: string | undefined
  readonly events: ReadonlyArray<SiaEvent>
  /** `A` blocks: free text. */
  readonly texts: ReadonlyArray<string>
}

/** A Contact ID (SIA DC-05) event of an `ADM-CID` message: `#acct|QEEE GG CCC`. */
export interface CidContent {
  readonly _tag: "CID"
  readonly account: string | undefined
  /** 1 new event or opening, 3 restore or closing, 6 previously reported condition still present. */
  readonly qualifier: "1" | "3" | "6"
  readonly event: string
  readonly partition: string
  /** Zone or user number. */
  readonly zone: string
}

/** A link test: no event, only a sign of life. */
export interface NullContent {
  readonly _tag: "Null"
}

export type Content = SiaContent | CidContent | NullContent

/** A `[X…]` block after the data: X longitude, Y latitude, M MAC address, H time of occurrence … */
export interface ExtendedData {
  readonly id: string
  readonly value: string
}

export interface DeviceTime {
  /** `HH:MM:SS,MM-DD-YYYY` as sent. */
  readonly text: string
  readonly epochMs: number
}

/** A frame this receiver accepted and will acknowledge. */
export interface Frame extends FrameHeader {
  readonly messageId: MessageId
  /** The data between `[` and `]`, decrypted when the frame was encrypted, pad removed. */
  readonly data: string
  readonly content: Content
  readonly extended: ReadonlyArray<ExtendedData>
  readonly timestamp: DeviceTime | undefined
  /** Device time minus receiver time, seconds; undefined without a timestamp. */
  readonly clockSkewS: number | undefined
  /** False when an unencrypted frame's timestamp lies outside the window (it is still accepted). */
  readonly timestampInWindow: boolean
  /** The whole frame, `<LF>` to `<CR>`, as text (Latin-1, one character per byte). */
  readonly text: string
}

/**
 * Why a frame was refused. What is answered for each is `ReplyForRefusal`.
 * `unknown_account` is not here: whether an account is registered is the receiver service's
 * business, after parsing.
 */
export const RefusalReasons = [
  "not_framed",
  "bad_length",
  "bad_crc",
  "malformed",
  "unknown_id",
  "no_key",
  "undecryptable",
  "encryption_required",
  "timestamp_missing",
  "timestamp_out_of_window"
] as const
export type RefusalReason = (typeof RefusalReasons)[number]

export interface Refusal {
  readonly _tag: "Refused"
  readonly reason: RefusalReason
  /** For people and logs: says what was wrong, never the data or the key. */
  readonly detail: string
  /** The header, when the frame was sound enough to read one (a DUH needs it). */
  readonly header: FrameHeader | undefined
}

export interface Parsed {
  readonly _tag: "Parsed"
  readonly frame: Frame
}

export type ParseResult = Parsed | Refusal

export const senderIdentity = (of: SenderIdentity): SenderIdentity => ({ receiver: of.receiver, line: of.line, account: of.account })
