import { createHash } from "node:crypto"

/**
 * FHIR's primitive types are narrower than ours: a `string` may not be empty or hold
 * whitespace other than space, tab and line breaks; an `id` is 1–64 of [A-Za-z0-9-.];
 * an `instant` has a real calendar date with a year from 0001. Every value that comes
 * from an event is passed through these, so no input can make an invalid resource.
 */

const digest = (text: string) => createHash("sha256").update(text).digest("hex")

/** A FHIR `string`, or undefined when nothing printable is left. */
export const fhirString = (value: string): string | undefined => {
  const cleaned = value.replace(/[^ \r\n\t\S]/gu, " ")
  return cleaned.length === 0 ? undefined : cleaned
}

/** A FHIR `string` that must be present. */
export const requiredString = (value: string, fallback: string): string => fhirString(value) ?? fallback

/** A FHIR `code`: no leading, trailing or repeated whitespace. */
export const fhirCode = (value: string): string | undefined => {
  const cleaned = value.trim().split(/\s+/u).filter((s) => s.length > 0).join(" ")
  return cleaned.length === 0 ? undefined : cleaned
}

/** A FHIR `id` for one of our ids: the id itself when it fits, else a readable prefix and a hash. */
export const fhirId = (value: string): string => {
  if (/^[A-Za-z0-9\-.]{1,64}$/u.test(value)) return value
  const readable = value.replace(/[^A-Za-z0-9\-.]+/gu, "-").slice(0, 47)
  return `${readable}-${digest(value).slice(0, 16)}`.replace(/^-+/u, "")
}

/** A stable `urn:uuid:` for a resource, so a Bundle's references do not depend on where it is stored. */
export const resourceUuid = (resourceType: string, id: string): string => {
  const h = digest(`${resourceType}/${id}`)
  // Version 8 (custom) UUID layout, RFC 9562.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

export const fullUrlOf = (resourceType: string, id: string) => `urn:uuid:${resourceUuid(resourceType, id)}`

/** A FHIR `instant`/`dateTime` in UTC, or undefined when the text is no real instant. */
export const fhirInstant = (value: string | undefined): string | undefined => {
  if (value === undefined) return undefined
  const ms = Date.parse(value)
  if (!Number.isFinite(ms)) return undefined
  const date = new Date(ms)
  const year = date.getUTCFullYear()
  return year < 1 || year > 9999 ? undefined : date.toISOString()
}

/** XHTML narrative: text escaped, so nothing in it can become markup. */
export const narrative = (...paragraphs: ReadonlyArray<string>) => ({
  status: "generated" as const,
  div: `<div xmlns="http://www.w3.org/1999/xhtml">${paragraphs.map((p) => `<p>${escapeXml(p)}</p>`).join("")}</div>`
})

const escapeXml = (text: string) =>
  // Characters XML 1.0 does not allow at all are dropped; the rest escaped.
  text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")

export interface Identifier {
  readonly system: string
  readonly value: string
}

export interface Reference {
  readonly reference?: string
  readonly type?: string
  readonly identifier?: Identifier
  readonly display?: string
}

export const identifier = (system: string, value: string): Identifier => ({ system, value: requiredString(value, "unknown") })

/** A Coding; `version` is the code system's version when the code comes from a versioned national table. */
export const coding = (system: string, code: string, display?: string, version?: string) => {
  const c = fhirCode(code) ?? "unknown"
  const d = display === undefined ? undefined : fhirString(display)
  return { system, ...(version === undefined ? {} : { version }), code: c, ...(d === undefined ? {} : { display: d }) }
}

export type Coding = ReturnType<typeof coding>
