import { type AnchorLines, anchorLine, type AnchorRecord, parseAnchorLines } from "@wt/audit-chain"
import { Effect, Schema } from "effect"
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readSync, writeSync } from "node:fs"
import { dirname } from "node:path"
import { dataDirFileConfig } from "../data-dir-file.ts"

/** The anchors file could not be read or appended to. */
export class AnchorFileError extends Schema.TaggedError<AnchorFileError>()("AnchorFileError", {
  file: Schema.String,
  message: Schema.String
}) {}

/** `WT_AUDIT_ANCHORS_FILE`, default `${WT_DATA_DIR:-./.data}/audit/anchors.jsonl`, as an absolute path. */
export const anchorsFileConfig = dataDirFileConfig("WT_AUDIT_ANCHORS_FILE", "audit", "anchors.jsonl")

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === "ENOENT"

/**
 * Appends one record and waits until it is on disk. The file is opened for appending
 * (O_APPEND: every write lands at its end, whoever else appends; never written elsewhere) and closed again,
 * so a file moved away by an operator is never written behind their back. A new file's
 * directory entry is synced too, or a crash could lose the file whole.
 */
export const appendAnchor = Effect.fn("Audit.appendAnchor")(function*(file: string, record: AnchorRecord) {
  yield* Effect.try({
    try: () => {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
      const fd = openSync(file, "a+", 0o600)
      try {
        const size = fstatSync(fd).size
        const created = size === 0
        // A line torn by a crash mid-write is ended first, so it costs only itself, not this record too.
        const last = Buffer.alloc(1)
        const torn = size > 0 && readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a
        writeSync(fd, torn ? `\n${anchorLine(record)}` : anchorLine(record))
        fsyncSync(fd)
        if (created) {
          const dir = openSync(dirname(file), "r")
          try {
            fsyncSync(dir)
          } finally {
            closeSync(dir)
          }
        }
      } finally {
        closeSync(fd)
      }
    },
    catch: (cause) => new AnchorFileError({ file, message: `cannot append to the anchors file: ${String(cause)}` })
  })
})

/**
 * Reads the anchors file, or its last `tailBytes` (the newest records are at its end;
 * the line cut at the start is dropped). A file that does not exist holds no records.
 */
export const readAnchors = Effect.fn("Audit.readAnchors")(function*(file: string, tailBytes?: number) {
  return yield* Effect.try({
    try: (): AnchorLines => {
      let fd: number
      try {
        fd = openSync(file, "r")
      } catch (error) {
        if (isMissing(error)) return { records: [], unreadable: [] }
        throw error
      }
      try {
        const size = fstatSync(fd).size
        const start = tailBytes === undefined ? 0 : Math.max(0, size - tailBytes)
        const buffer = Buffer.alloc(size - start)
        let read = 0
        while (read < buffer.length) {
          const n = readSync(fd, buffer, read, buffer.length - read, start + read)
          if (n === 0) break
          read += n
        }
        let text = buffer.toString("utf8", 0, read)
        if (start > 0) text = text.slice(text.indexOf("\n") + 1)
        return parseAnchorLines(text)
      } finally {
        closeSync(fd)
      }
    },
    catch: (cause) => new AnchorFileError({ file, message: `cannot read the anchors file: ${String(cause)}` })
  })
})
