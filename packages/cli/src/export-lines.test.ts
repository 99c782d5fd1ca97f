import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { forEachLine } from "./export-lines.ts"

const dir = mkdtempSync(join(tmpdir(), "wt-export-lines-"))
let n = 0
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const both = async (content: Buffer) => {
  const file = join(dir, `f${n++}`)
  writeFileSync(file, content)
  const reference: Array<string> = []
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) reference.push(line)
  const ours: Array<string> = []
  await forEachLine(file, (buf, start, end) => {
    ours.push(buf.toString("utf8", start, end))
    return true
  })
  rmSync(file)
  return { reference, ours }
}

const Piece = Schema.Literals(["a", "ø", "\r", "\n", "\r\n", "{\"x\":1}", " "])

describe("reading a file line by line in blocks", () => {
  it.effect.prop("breaks lines where readline breaks them", [Schema.Array(Piece)], ([pieces]) =>
    Effect.promise(async () => {
      const { reference, ours } = await both(Buffer.from(pieces.join("")))
      expect(ours).toEqual(reference)
    }), { arbitrary: { runs: 200 } })

  it.effect("lines longer than a block, and a last line without a break", () =>
    Effect.promise(async () => {
      const long = "x".repeat(9 * 1024 * 1024)
      const { reference, ours } = await both(Buffer.from(`first\n${long}\r\nmiddle\n${long}`))
      expect(ours.map((l) => l.length)).toEqual(reference.map((l) => l.length))
      expect(ours).toEqual(reference)
    }))

  it.effect("stops when told to", () =>
    Effect.promise(async () => {
      const file = join(dir, "stop")
      writeFileSync(file, "1\n2\n3\n")
      const seen: Array<string> = []
      await forEachLine(file, (buf, start, end) => {
        seen.push(buf.toString("utf8", start, end))
        return seen.length < 2
      })
      expect(seen).toEqual(["1", "2"])
    }))
})
