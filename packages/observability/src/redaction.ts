/**
 * Keys whose values are personal or health data, or secrets. Any field with one of
 * these names is censored wherever it sits in a log line.
 */
const redactedKeys: ReadonlyArray<string> = [
  "name", "displayName", "fullName", "nationalId", "ssn", "birthDate",
  "address", "addresses", "street", "phone", "email",
  "healthNotes", "notes", "note", "text",
  "lat", "lon", "position", "location", "geofence",
  "password", "token", "authorization", "cookie", "ingestKey",
  // A device identity's DC-09 AES key, as an administrator sends it and as the registry stores it.
  "key", "secret",
  // How a home is entered (a key-safe code, an e-lock), and who to call: never in a log line, whatever logs a record.
  "keyAccess", "keySafeCode", "contacts",
  // Secrets by other names: session cookies set, NATS seeds, signing keys, password hashes, vendors' request signatures.
  "set-cookie", "seed", "privateKey", "passwordHash", "x-signature", "webhook-signature"
]

export const censor = "[redacted]"

// Deeper than any log payload we write; the limit only guards against pathological input.
const maxDepth = 12

const keySet = new Set(redactedKeys)

/**
 * Returns a copy of `value` with every sensitive key censored, at any depth.
 *
 * Why not pino's `redact.paths`: those need one path per depth (`*.name`, `*.*.name`, …)
 * and leading wildcards are slow — 25 keys × 5 depths cost ~170µs per line here, this
 * walk costs ~3µs and has no depth gap. It runs as pino's `formatters.log`, so it
 * covers anything written through the pino instance, not only Effect logs.
 */
export const redact = (value: unknown): unknown => walk(value, 0, new Set())

const walk = (value: unknown, depth: number, seen: Set<object>): unknown => {
  if (value === null || typeof value !== "object") return value
  if (depth > maxDepth) return "[too deep]"
  if (seen.has(value)) return "[circular]"
  seen.add(value)
  try {
    if (Array.isArray(value)) return value.map((item) => walk(item, depth + 1, seen))
    if (value instanceof Error) return walk(errorFields(value), depth, seen)
    // Dates, Effect data classes, Redacted … decide their own JSON form; censor that form.
    const toJSON = (value as { toJSON?: unknown }).toJSON
    if (typeof toJSON === "function") return walk(toJSON.call(value), depth + 1, seen)
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) {
      out[key] = keySet.has(key) ? censor : walk(item, depth + 1, seen)
    }
    return out
  } finally {
    seen.delete(value)
  }
}

const errorFields = (error: Error): Record<string, unknown> => ({
  ...Object.fromEntries(Object.entries(error)),
  type: error.name,
  message: error.message,
  stack: error.stack
})
