/**
 * Reads an entry line of an export (`{"type":"entry","seq":N,"subject":"…","text":"…"}`,
 * exactly as `entryLine` writes it) from its bytes: the sequence and where the subject is
 * found by hand, only the text parsed as JSON, and the entry's stored bytes written into
 * `out`. Decoding, parsing and validating each whole line cost more than verifying the entry.
 *
 * Declines (undefined) anything it does not read exactly as decoding the line, `JSON.parse`
 * and a UTF-8 encoding would: other key orders or spacing, `base64` entries, lone
 * surrogates, a subject with escapes. The caller then parses the line as JSON, so what
 * a line means never depends on which way it was read.
 */

const prefix = Buffer.from(`{"type":"entry","seq":`)
const subjectKey = Buffer.from(`,"subject":"`)
const textKey = Buffer.from(`","text":"`)
const QUOTE = 0x22
const BACKSLASH = 0x5c

export interface EntryLineBytes {
  seq: number
  subjectStart: number
  subjectEnd: number
  /** Bytes of the entry written to the start of `out`. */
  length: number
}

const at = (buf: Uint8Array, pos: number, bytes: Uint8Array): boolean => {
  if (pos + bytes.length > buf.length) return false
  for (let i = 0; i < bytes.length; i++) if (buf[pos + i] !== bytes[i]) return false
  return true
}

/** `out` must hold at least three times `end - start` bytes (a byte that is not UTF-8 becomes the 3 bytes of U+FFFD). */
export const readEntryLine = (buf: Buffer, start: number, end: number, out: Buffer, into: EntryLineBytes): EntryLineBytes | undefined => {
  if (!at(buf, start, prefix)) return undefined
  let pos = start + prefix.length
  // seq: a JSON integer without leading zeros, at least 1, at most 15 digits (a safe integer).
  const digitsStart = pos
  let seq = 0
  while (pos < end && buf[pos]! >= 48 && buf[pos]! <= 57) seq = seq * 10 + buf[pos++]! - 48
  const digits = pos - digitsStart
  if (digits === 0 || digits > 15 || buf[digitsStart] === 48) return undefined
  if (!at(buf, pos, subjectKey)) return undefined
  pos += subjectKey.length
  const subjectStart = pos
  while (pos < end && buf[pos] !== QUOTE) {
    const b = buf[pos]!
    if (b === BACKSLASH || b < 0x20) return undefined
    pos++
  }
  const subjectEnd = pos
  if (!at(buf, pos, textKey)) return undefined
  pos += textKey.length
  // The text is one JSON string running to the line's closing `"}`; nothing may follow.
  const textEnd = end - 2
  if (textEnd < pos || buf[textEnd] !== QUOTE || buf[textEnd + 1] !== 0x7d) return undefined
  // Decoded on its own, the string literal (bounded by ASCII quotes) gives the characters
  // it gives as part of the whole line; JSON.parse rejects a stray quote or control character.
  let text: unknown
  try {
    text = JSON.parse(buf.toString("utf8", pos - 1, textEnd + 1))
  } catch {
    return undefined
  }
  // A lone surrogate is left to the ordinary path, which encodes it as TextEncoder does.
  if (typeof text !== "string" || !text.isWellFormed()) return undefined
  into.seq = seq
  into.subjectStart = subjectStart
  into.subjectEnd = subjectEnd
  into.length = out.write(text, 0, "utf8")
  return into
}
