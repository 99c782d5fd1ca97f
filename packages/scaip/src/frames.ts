/**
 * Splits a byte stream of bare SCAIP documents into one frame per `<mrq>`.
 *
 * SS 91100 and TS 50134-9 carry SCAIP only inside SIP MESSAGE requests (Content-Type
 * `application/scaip+xml`; over SIP/TCP a message ends where its Content-Length says). Some gateways
 * and test tools send the bare XML over a TCP socket instead, with nothing between documents: there
 * the closing `</mrq>` tag is the only delimiter, and that is what this splitter uses. It holds at
 * most `maxFrameBytes` of an unfinished document; a longer one is reported as oversized (with its
 * first bytes, for the dead letters) and skipped up to its closing tag, so one bad sender cannot
 * make the receiver hold memory without bound.
 */

export type FrameItem =
  | { readonly kind: "frame"; readonly bytes: Uint8Array }
  | { readonly kind: "oversized"; readonly prefix: Uint8Array; readonly reason: string }

const Closing = new TextEncoder().encode("</mrq>")

const indexOf = (haystack: Uint8Array, needle: Uint8Array, from: number): number => {
  const last = haystack.length - needle.length
  outer: for (let i = Math.max(0, from); i <= last; i++) {
    for (let k = 0; k < needle.length; k++) {
      // ASCII case-insensitive: "</MRQ>" ends a document too.
      const a = haystack[i + k]!
      if ((a >= 65 && a <= 90 ? a + 32 : a) !== needle[k]) continue outer
    }
    return i
  }
  return -1
}

const isWhitespace = (bytes: Uint8Array): boolean => bytes.every((b) => b === 32 || b === 9 || b === 10 || b === 13)

export class MrqFrameSplitter {
  private buffer: Uint8Array = new Uint8Array(0)
  private skipping = false
  private readonly maxFrameBytes: number

  constructor(maxFrameBytes: number = 8192) {
    this.maxFrameBytes = maxFrameBytes
  }

  /** Feeds the bytes a socket delivered; returns the frames (and oversize reports) they completed. */
  readonly push = (chunk: Uint8Array): ReadonlyArray<FrameItem> => {
    const joined = new Uint8Array(this.buffer.length + chunk.length)
    joined.set(this.buffer, 0)
    joined.set(chunk, this.buffer.length)
    const items: Array<FrameItem> = []
    let start = 0
    // Search from where an unfinished closing tag could begin, not from the start again.
    let searchFrom = Math.max(0, this.buffer.length - Closing.length + 1)
    for (;;) {
      const at = indexOf(joined, Closing, searchFrom)
      if (at < 0) break
      const end = at + Closing.length
      if (this.skipping) {
        this.skipping = false
      } else if (end - start > this.maxFrameBytes) {
        items.push(this.oversized(joined.subarray(start, start + this.maxFrameBytes), end - start))
      } else {
        items.push({ kind: "frame", bytes: joined.slice(start, end) })
      }
      start = end
      searchFrom = end
    }
    let rest = joined.subarray(start)
    if (!this.skipping && rest.length > this.maxFrameBytes) {
      items.push(this.oversized(rest.subarray(0, this.maxFrameBytes), rest.length))
      this.skipping = true
    }
    if (this.skipping) {
      // Keep only what could be the start of the closing tag we are skipping to.
      rest = rest.subarray(Math.max(0, rest.length - (Closing.length - 1)))
    }
    this.buffer = rest.slice()
    return items
  }

  /** Bytes held for an unfinished document. */
  get pending(): number {
    return this.buffer.length
  }

  /** At the end of the stream: what was left unfinished, if anything but whitespace. */
  readonly end = (): ReadonlyArray<FrameItem> => {
    const rest = this.buffer
    this.buffer = new Uint8Array(0)
    if (this.skipping || rest.length === 0 || isWhitespace(rest)) return []
    return [{ kind: "frame", bytes: rest }]
  }

  private readonly oversized = (prefix: Uint8Array, length: number): FrameItem => {
    return { kind: "oversized", prefix: prefix.slice(), reason: `a SCAIP document of more than ${this.maxFrameBytes} bytes (${length} so far)` }
  }
}
