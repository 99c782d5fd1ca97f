/**
 * Canonical JSON: object keys sorted by UTF-16 code units, no whitespace, numbers in
 * ECMAScript form (the JSON Canonicalization Scheme, RFC 8785, for the values JSON
 * carries). Two parties that agree on a value agree on its bytes, so hashes and
 * signatures over it compare.
 *
 * Throws a TypeError for what JSON cannot carry (undefined at the top, functions,
 * bigints, non-finite numbers): a programming error, not a data error.
 */
export const canonicalJson = (value: unknown): string => {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value)
    case "boolean":
      return value ? "true" : "false"
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`canonical JSON cannot carry ${value}`)
      return JSON.stringify(value)
    case "object": {
      if (value === null) return "null"
      if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? "null" : canonicalJson(item))).join(",")}]`
      const record = value as Record<string, unknown>
      const keys = Object.keys(record).filter((key) => record[key] !== undefined).sort()
      return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(",")}}`
    }
    default:
      throw new TypeError(`canonical JSON cannot carry a ${typeof value}`)
  }
}

const utf8 = new TextEncoder()

/** The UTF-8 bytes of {@link canonicalJson}. */
export const canonicalJsonBytes = (value: unknown): Uint8Array => utf8.encode(canonicalJson(value))
