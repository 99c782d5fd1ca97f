import { describe, expect, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import { entryLine, parseLine } from "./audit-export-format.ts"
import { type EntryLineBytes, readEntryLine } from "./export-entry-line.ts"

const read = (line: string) => {
  const buf = Buffer.from(line)
  const out = Buffer.alloc(3 * buf.length + 16)
  const r = readEntryLine(buf, 0, buf.length, out, { seq: 0, subjectStart: 0, subjectEnd: 0, length: 0 } satisfies EntryLineBytes)
  return r === undefined ? undefined : { seq: r.seq, subject: buf.toString("utf8", r.subjectStart, r.subjectEnd), bytes: Buffer.from(out.subarray(0, r.length)) }
}

/** What the ordinary path makes of the line: the reference the byte reader must equal whenever it answers. */
const parsed = (line: string) => {
  const p = parseLine(line)
  return Result.isSuccess(p) && p.success.type === "entry" ? { seq: p.success.seq, subject: p.success.subject, bytes: Buffer.from(p.success.bytes) } : undefined
}

const samples = [
  `{"id":"e1","summary":"plain"}`,
  `{"text":"quotes \\" and \\\\ backslashes, tab\\t, newline\\n, \\u0000 \\u001f"}`,
  "æøå ÆØÅ – “quotes” 😀 𝄞 \u2028\u2029 \u007f",
  "",
  "\"",
  "\\u0041 is not an escape in the entry itself"
]

describe("reading export entry lines from bytes", () => {
  it("reads every line the export writes exactly as JSON.parse and UTF-8 encoding would", () => {
    for (const [i, text] of samples.entries()) {
      const line = entryLine(i + 1, "wt.audit.demo.incident_event", Buffer.from(text))
      expect(read(line)).toEqual(parsed(line))
      expect(read(line)).toBeDefined()
    }
  })

  it.prop("any string as an entry: read as the ordinary path reads it, or left to it", [Schema.String, Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 2 ** 40 }))], ([text, seq]) => {
    const line = entryLine(seq, "wt.audit.nordby.export", Buffer.from(text))
    const fast = read(line)
    if (fast !== undefined) expect(fast).toEqual(parsed(line))
    if (text.isWellFormed()) expect(fast).toBeDefined()
  }, { arbitrary: { runs: 500 } })

  it.prop("any UTF-16 code units, surrogates and control characters included: the same, or left to the ordinary path", [Schema.Array(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 0xffff })))], ([units]) => {
    const text = String.fromCharCode(...units)
    const line = entryLine(1, "wt.audit.demo.x", Buffer.from(text))
    const fast = read(line)
    if (fast !== undefined) expect(fast).toEqual(parsed(line))
    if (text.isWellFormed()) expect(fast).toBeDefined()
  }, { arbitrary: { runs: 500 } })

  it("leaves to the ordinary path what it cannot read the same way", () => {
    const declined = [
      `{"type":"entry","seq":1,"subject":"wt.audit.demo.x","base64":"AAEC"}`,
      `{"seq":1,"type":"entry","subject":"wt.audit.demo.x","text":"{}"}`,
      `{"type":"entry","seq":01,"subject":"wt.audit.demo.x","text":"{}"}`,
      `{"type":"entry","seq":0,"subject":"wt.audit.demo.x","text":"{}"}`,
      `{"type":"entry","seq":1,"subject":"wt.audit.demo.x","text":"{}"} `,
      `{"type":"entry","seq":1,"subject":"wt.audit.demo.x","text":"{}","seq":2}`,
      `{"type":"entry","seq":1,"subject":"wt.audit.demo.x","text":"a"b"}`,
      `{"type":"entry","seq":1,"subject":"wt.audit.demo.x","text":"tab\there"}`,
      `{"type":"entry","seq":1,"subject":"wt.audit.\\u0064emo.x","text":"{}"}`,
      `{"type":"entry","seq":1,"subject":"wt.audit.demo.x","text":"\\ud800"}`,
      `{"type":"entry","seq":1,"subject":"wt.audit.demo.x","text":"\\q"}`,
      `{"type":"entry","seq":1,"subject":"wt.audit.demo.x","text":"{}"`
    ]
    for (const line of declined) expect(read(line), line).toBeUndefined()
  })

  it("bytes that are not UTF-8 read as the line decoder reads them", () => {
    const head = Buffer.from(`{"type":"entry","seq":7,"subject":"wt.audit.demo.x","text":"a`)
    const line = Buffer.concat([head, Buffer.from([0xff, 0xc3]), Buffer.from(`b"}`)])
    const out = Buffer.alloc(3 * line.length)
    const r = readEntryLine(line, 0, line.length, out, { seq: 0, subjectStart: 0, subjectEnd: 0, length: 0 })
    expect(r === undefined ? undefined : Buffer.from(out.subarray(0, r.length))).toEqual(parsed(line.toString("utf8"))?.bytes)
  })
})
