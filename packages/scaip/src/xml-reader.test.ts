import { describe, expect, it } from "@effect/vitest"
import { readXml, readXmlText } from "./xml-reader.ts"

const bytes = (text: string) => new TextEncoder().encode(text)

describe("minimal XML reader", () => {
  it("reads a flat document with a declaration, comments, attributes, entities and CDATA", () => {
    const read = readXmlText(
      `<?xml version="1.0" encoding="UTF-8"?>\n<!-- unit 4 -->\n<mrq xmlns="urn:x" a='1'><ref>12&amp;3</ref><lte><![CDATA[<Kjøkken>]]></lte><dte>&#x41;&#66;</dte><x/></mrq>\n`
    )
    expect(read.ok).toBe(true)
    if (!read.ok) return
    expect(read.root.name).toBe("mrq")
    expect(read.root.children.map((c) => [c.name, c.text])).toEqual([["ref", "12&3"], ["lte", "<Kjøkken>"], ["dte", "AB"], ["x", ""]])
  })

  it("drops namespace prefixes and lower-cases names", () => {
    const read = readXmlText("<s:MRQ><s:Ref>1</s:Ref></s:MRQ>")
    expect(read.ok && read.root.name).toBe("mrq")
    expect(read.ok && read.root.children[0]?.name).toBe("ref")
  })

  it.each([
    ["a DOCTYPE (billion laughs)", `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><mrq>&lol2;</mrq>`],
    ["an external entity", `<!DOCTYPE mrq [<!ENTITY x SYSTEM "file:///etc/passwd">]><mrq>&x;</mrq>`],
    ["an undefined entity", "<mrq><ref>&nbsp;</ref></mrq>"],
    ["a character reference to NUL", "<mrq><ref>&#0;</ref></mrq>"],
    ["a surrogate character reference", "<mrq><ref>&#xD800;</ref></mrq>"],
    ["an unclosed element", "<mrq><ref>1</ref>"],
    ["mismatched tags", "<mrq><ref>1</cid></mrq>"],
    ["two roots", "<mrq></mrq><mrq></mrq>"],
    ["text outside the root", "hello <mrq></mrq>"],
    ["an empty document", ""],
    ["a bare less-than", "<mrq>< ref></mrq>"],
    ["an unquoted attribute", "<mrq a=1></mrq>"],
    ["a processing instruction inside", "<mrq><?php x ?></mrq>"],
    ["an unterminated comment", "<mrq><!-- </mrq>"],
    ["a NUL in text", "<mrq><lte>a\u0000b</lte></mrq>"]
  ])("refuses %s as malformed", (_, text) => {
    const read = readXmlText(text)
    expect(read.ok).toBe(false)
    if (!read.ok) expect(read.problem.kind).toBe("malformed")
  })

  it("refuses nesting past the depth cap without recursing", () => {
    const deep = "<a>".repeat(100_000) + "</a>".repeat(100_000)
    const read = readXmlText(deep)
    expect(read.ok).toBe(false)
    if (!read.ok) expect(read.problem).toMatchObject({ kind: "too_large" })
  })

  it("refuses more elements than the cap", () => {
    const read = readXmlText(`<mrq>${"<x/>".repeat(300)}</mrq>`)
    expect(!read.ok && read.problem.kind).toBe("too_large")
  })

  it("refuses more bytes than the cap before reading them, and invalid UTF-8", () => {
    const big = readXml(bytes(`<mrq><ite>${"x".repeat(9000)}</ite></mrq>`))
    expect(!big.ok && big.problem.kind).toBe("too_large")
    const notUtf8 = readXml(new Uint8Array([0x3c, 0x6d, 0x72, 0x71, 0x3e, 0xff, 0xfe, 0x3c, 0x2f, 0x6d, 0x72, 0x71, 0x3e]))
    expect(!notUtf8.ok && notUtf8.problem.kind).toBe("malformed")
  })
})
