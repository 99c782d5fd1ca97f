/**
 * How deep a JSON body sent to an entry point may nest. A canonical event needs four levels
 * (batch array, event, payload or source, a value); vendor platforms' bodies a few more.
 * Deeper bodies are refused before they are parsed: `JSON.parse` copes with depth, but
 * everything after it that walks the value (`JSON.stringify` of a rejected item for the dead
 * letters, the schema's issue formatter, a vendor mapping) recurses, and a body of 50,000
 * nested brackets overflowed the stack and was answered 500 with an empty body.
 */
export const MaxJsonDepth = 32

const OpenObject = 0x7b
const OpenArray = 0x5b
const CloseObject = 0x7d
const CloseArray = 0x5d
const Quote = 0x22
const Backslash = 0x5c

export interface TooDeep {
  readonly depth: number
  /** Offset (in UTF-16 code units of the text, or bytes of a byte array) where the limit was passed. */
  readonly at: number
}

/**
 * Where a JSON text first nests deeper than `limit`, or undefined when it never does. One pass,
 * no recursion, no allocation: brackets inside strings (escapes included) do not count. The
 * text need not be valid JSON; what is malformed is left for the parser to name.
 */
export const findTooDeep = (text: string | Uint8Array, limit: number = MaxJsonDepth): TooDeep | undefined => {
  // Read directly, not through a closure per character: every body passes through here, and the
  // call per character cost the gateway more than the scan itself.
  const chars = typeof text === "string" ? text : undefined
  const bytes = typeof text === "string" ? undefined : text
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = chars !== undefined ? chars.charCodeAt(i) : bytes![i]!
    if (inString) {
      if (c === Backslash) i++
      else if (c === Quote) inString = false
    } else if (c === Quote) {
      inString = true
    } else if (c === OpenObject || c === OpenArray) {
      if (++depth > limit) return { depth, at: i }
    } else if (c === CloseObject || c === CloseArray) {
      depth = Math.max(0, depth - 1)
    }
  }
  return undefined
}

/** The reason given to a sender whose body nests too deep. */
export const tooDeepReason = (found: TooDeep, limit: number = MaxJsonDepth): string =>
  `JSON nested deeper than ${limit} levels (level ${found.depth} opens at offset ${found.at}); a canonical event nests 4 levels`
