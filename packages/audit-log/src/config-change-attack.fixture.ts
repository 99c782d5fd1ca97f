import { createHash } from "node:crypto"

/**
 * The dictionary attack on the old audit format, for tests: resident changes were audited as
 * `sha256:` + SHA-256 of each value's canonical JSON (keys sorted), unkeyed; with every
 * four-digit key-safe code and both answers to "has dementia" hashed the same way, the
 * trail gave the code before and after and the health fact away in under a second.
 * Widened to the other encodings an attacker would try, in hex and base64.
 */
export const oldCanonical = (value: unknown): string =>
  Array.isArray(value)
    ? `[${value.map(oldCanonical).join(",")}]`
    : typeof value === "object" && value !== null
    ? `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${oldCanonical((value as Record<string, unknown>)[k])}`).join(",")}}`
    : JSON.stringify(value)

export const sha256 = (text: string): Buffer => createHash("sha256").update(text).digest()

const codes = Array.from({ length: 10_000 }, (_, n) => String(n).padStart(4, "0"))

const candidates: ReadonlyArray<{ readonly label: string; readonly value: unknown }> = [
  ...codes.map((code) => ({ label: `key-safe code ${code}`, value: { kind: "key_safe", code } })),
  ...codes.map((code) => ({ label: `bare code ${code}`, value: code })),
  { label: "dementia true", value: true },
  { label: "dementia false", value: false }
]

/** What the dictionary finds in a text (an entry, a whole trail): the labels of the candidates whose digest it contains. */
export const dictionaryAttack = (text: string): ReadonlyArray<string> => {
  const found: Array<string> = []
  for (const { label, value } of candidates) {
    for (const encoded of new Set([oldCanonical(value), JSON.stringify(value), String(value)])) {
      const digest = sha256(encoded)
      if (text.includes(digest.toString("hex")) || text.includes(digest.toString("base64"))) found.push(label)
    }
  }
  return found
}
