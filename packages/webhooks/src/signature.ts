import { createHmac, timingSafeEqual } from "node:crypto"
import { Result } from "effect"
import type { VendorMapping } from "./vendor-mapping.ts"

export type SignatureRefusalKind = "missing_signature" | "bad_signature" | "missing_timestamp" | "stale_timestamp" | "missing_header"

export interface SignatureRefusal {
  readonly kind: SignatureRefusalKind
  readonly reason: string
}

/** Request headers as Node gives them: names lower-cased, repeated headers as arrays. */
export type Headers = Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

const header = (headers: Headers, name: string): string | undefined => {
  const value = headers[name] ?? Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1]
  if (value === undefined) return undefined
  return typeof value === "string" ? value : value.join(" ")
}

const refuse = (kind: SignatureRefusalKind, reason: string): Result.Result<never, SignatureRefusal> => Result.fail({ kind, reason })

const decodeCandidate = (text: string, encoding: "hex" | "base64"): Buffer | undefined => {
  if (encoding === "hex") return /^(?:[0-9a-fA-F]{2})+$/u.test(text) ? Buffer.from(text, "hex") : undefined
  return /^[A-Za-z0-9+/_-]+={0,2}$/u.test(text) ? Buffer.from(text, "base64") : undefined
}

/**
 * Checks a vendor request's signature: HMAC-SHA256 with the vendor's secret over the parts the
 * mapping names (the raw body, and the timestamp or other headers), compared in constant time
 * against every candidate in the signature header (vendors send two while they rotate keys). With
 * a timestamp header, a request older or newer than the tolerance is refused as a replay. Pure:
 * the caller passes the time; never throws.
 */
export const verifySignature = (
  mapping: VendorMapping,
  rawBody: Uint8Array,
  headers: Headers,
  secret: string | Uint8Array,
  nowMs: number
): Result.Result<void, SignatureRefusal> => {
  const scheme = mapping.signature
  const presented = header(headers, scheme.header)
  if (presented === undefined || presented.trim() === "") return refuse("missing_signature", `no ${scheme.header} header`)

  let timestamp: string | undefined
  if (scheme.timestamp !== undefined) {
    timestamp = header(headers, scheme.timestamp.header)?.trim()
    if (timestamp === undefined || !/^[0-9]{1,16}$/u.test(timestamp)) return refuse("missing_timestamp", `no numeric ${scheme.timestamp.header} header`)
    const sentMs = Number(timestamp) * (scheme.timestamp.unit === "seconds" ? 1000 : 1)
    if (Math.abs(nowMs - sentMs) > scheme.timestamp.toleranceSeconds * 1000) {
      return refuse("stale_timestamp", `${scheme.timestamp.header} is more than ${scheme.timestamp.toleranceSeconds} s from the receiver's clock: refused as a possible replay`)
    }
  }

  const hmac = createHmac("sha256", secret)
  const separator = Buffer.from(scheme.separator ?? ".", "utf8")
  let first = true
  for (const part of scheme.signedContent) {
    if (!first) hmac.update(separator)
    first = false
    if (part === "body") {
      hmac.update(rawBody)
    } else if (part === "timestamp") {
      hmac.update(timestamp ?? "", "utf8")
    } else {
      const name = part.slice("header:".length)
      const value = header(headers, name)
      if (value === undefined) return refuse("missing_header", `no ${name} header, which the signature covers`)
      hmac.update(value, "utf8")
    }
  }
  const expected = hmac.digest()

  for (const token of presented.trim().split(/\s+/u)) {
    const text = scheme.prefix !== undefined && token.startsWith(scheme.prefix) ? token.slice(scheme.prefix.length) : token
    if (scheme.prefix !== undefined && text === token) continue
    const candidate = decodeCandidate(text, scheme.encoding)
    if (candidate !== undefined && candidate.length === expected.length && timingSafeEqual(candidate, expected)) return Result.succeed(undefined)
  }
  return refuse("bad_signature", `${scheme.header} does not match the body`)
}
