import { AuditSeal, KeyRotation } from "@wt/audit-chain"
import { AuditPublicKey } from "@wt/audit-log"
import { Result, Schema } from "effect"

/**
 * `wt audit export` writes JSON lines, in this order: one header, the verifying keys, the
 * key rotations (each new key announced by the one before it), every seal, the entries in stream order, one end line. An entry line carries its
 * stream sequence and its bytes exactly as stored: as `text` (the stored JSON, itself
 * a JSON string) or, were they not UTF-8, as `base64`.
 */
export const ExportFormat = "wt-audit-export/1"

export interface HeaderLine {
  readonly type: "header"
  readonly format: typeof ExportFormat
  readonly stream: string
  readonly exportedAt: string
  /** First and last sequence exported (seal-aligned); `toSeq` absent: through the end of the stream. */
  readonly fromSeq: number
  readonly toSeq?: number
}
export interface EntryLine {
  readonly type: "entry"
  readonly seq: number
  readonly subject: string
  readonly text?: string
  readonly base64?: string
}

const utf8 = new TextEncoder()
const utf8Strict = new TextDecoder("utf-8", { fatal: true })

export const headerLine = (header: Omit<HeaderLine, "type" | "format">): string =>
  JSON.stringify({ type: "header", format: ExportFormat, ...header })
export const keyLine = (key: AuditPublicKey): string => JSON.stringify({ type: "key", key })
export const sealLine = (seal: AuditSeal): string => JSON.stringify({ type: "seal", seal })
export const rotationLine = (rotation: KeyRotation): string => JSON.stringify({ type: "rotation", rotation })
export const endLine = (entries: number, lastSeq: number | undefined): string => JSON.stringify({ type: "end", entries, lastSeq: lastSeq ?? null })

export const entryLine = (seq: number, subject: string, bytes: Uint8Array): string => {
  let text: string | undefined
  try {
    text = utf8Strict.decode(bytes)
  } catch {
    text = undefined
  }
  return text === undefined
    ? JSON.stringify({ type: "entry", seq, subject, base64: Buffer.from(bytes).toString("base64") })
    : JSON.stringify({ type: "entry", seq, subject, text })
}

export type ParsedLine =
  | { readonly type: "header"; readonly header: HeaderLine }
  | { readonly type: "key"; readonly key: AuditPublicKey }
  | { readonly type: "seal"; readonly seal: AuditSeal }
  | { readonly type: "rotation"; readonly rotation: KeyRotation }
  | { readonly type: "entry"; readonly seq: number; readonly subject: string; readonly bytes: Uint8Array }
  | { readonly type: "end" }

const decodeKey = Schema.decodeUnknownResult(AuditPublicKey)
const decodeSeal = Schema.decodeUnknownResult(AuditSeal)
const decodeRotation = Schema.decodeUnknownResult(KeyRotation)
const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** One line of an export, or why it is not one. Entry lines are checked by hand: there are hundreds of thousands. */
export const parseLine = (line: string): Result.Result<ParsedLine, string> => {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return Result.fail("not valid JSON")
  }
  if (!isRecord(value)) return Result.fail("not a JSON object")
  switch (value["type"]) {
    case "entry": {
      const { seq, subject, text, base64 } = value
      if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1) return Result.fail("entry without a valid seq")
      if (typeof subject !== "string") return Result.fail("entry without a subject")
      if (typeof text === "string") return Result.succeed({ type: "entry", seq, subject, bytes: utf8.encode(text) })
      if (typeof base64 === "string") return Result.succeed({ type: "entry", seq, subject, bytes: Buffer.from(base64, "base64") })
      return Result.fail("entry without its bytes")
    }
    case "seal": {
      const seal = decodeSeal(value["seal"])
      return Result.isSuccess(seal) ? Result.succeed({ type: "seal", seal: seal.success }) : Result.fail(`seal: ${seal.failure.message}`)
    }
    case "rotation": {
      const rotation = decodeRotation(value["rotation"])
      return Result.isSuccess(rotation) ? Result.succeed({ type: "rotation", rotation: rotation.success }) : Result.fail(`rotation: ${rotation.failure.message}`)
    }
    case "key": {
      const key = decodeKey(value["key"])
      return Result.isSuccess(key) ? Result.succeed({ type: "key", key: key.success }) : Result.fail(`key: ${key.failure.message}`)
    }
    case "header": {
      const { format, stream, exportedAt, fromSeq, toSeq } = value
      if (format !== ExportFormat) return Result.fail(`unknown export format ${String(format)}`)
      if (typeof stream !== "string" || typeof exportedAt !== "string" || typeof fromSeq !== "number") return Result.fail("incomplete header")
      const header: HeaderLine = { type: "header", format: ExportFormat, stream, exportedAt, fromSeq, ...(typeof toSeq === "number" ? { toSeq } : {}) }
      return Result.succeed({ type: "header", header })
    }
    case "end":
      return Result.succeed({ type: "end" })
    default:
      return Result.fail(`unknown line type ${String(value["type"])}`)
  }
}
