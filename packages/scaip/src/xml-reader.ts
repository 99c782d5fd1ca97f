/**
 * A minimal XML reader for SCAIP's flat `<mrq>`/`<mrs>` documents, written by hand so that no
 * input can make it blow up: no DTDs, no entity definitions (only the five predefined entities
 * and character references), no recursion (an explicit stack with a depth cap), a cap on the
 * bytes and on the number of elements, and a typed result for every input instead of a throw.
 * Attributes are read for well-formedness and dropped: SCAIP carries everything in elements.
 */

export interface XmlElement {
  /** Local name, lower-cased (a namespace prefix is dropped): SCAIP's tags are lower case. */
  readonly name: string
  readonly children: ReadonlyArray<XmlElement>
  /** The element's own text, entities resolved (text between child elements is joined). */
  readonly text: string
}

export type XmlProblem =
  | { readonly kind: "too_large"; readonly reason: string }
  | { readonly kind: "malformed"; readonly reason: string }

export type XmlReadResult = { readonly ok: true; readonly root: XmlElement } | { readonly ok: false; readonly problem: XmlProblem }

export interface XmlLimits {
  readonly maxBytes: number
  readonly maxDepth: number
  readonly maxElements: number
}

/** SCAIP messages are a few hundred bytes (SS 91100 splits above 1300); 8 KiB is also `source.raw`'s cap. */
export const DefaultXmlLimits: XmlLimits = { maxBytes: 8192, maxDepth: 4, maxElements: 256 }

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false })

/** Decodes strict UTF-8; undefined for invalid byte sequences. */
export const decodeUtf8 = (bytes: Uint8Array): string | undefined => {
  try {
    return utf8.decode(bytes)
  } catch {
    return undefined
  }
}

const malformed = (reason: string): XmlReadResult => ({ ok: false, problem: { kind: "malformed", reason } })

const isNameStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 58
const isNameChar = (c: number): boolean => isNameStart(c) || (c >= 48 && c <= 57) || c === 45 || c === 46
const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13

const predefined: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: "\"", apos: "'" }

/** Resolves the predefined entities and character references; undefined for anything else. */
const resolveEntities = (raw: string): string | undefined => {
  if (!raw.includes("&")) return raw
  let out = ""
  let i = 0
  while (i < raw.length) {
    const amp = raw.indexOf("&", i)
    if (amp < 0) {
      out += raw.slice(i)
      break
    }
    out += raw.slice(i, amp)
    const semi = raw.indexOf(";", amp)
    if (semi < 0 || semi - amp > 10) return undefined
    const name = raw.slice(amp + 1, semi)
    if (name.startsWith("#")) {
      const hex = name.startsWith("#x")
      const digits = hex ? name.slice(2) : name.slice(1)
      if (!(hex ? /^[0-9A-Fa-f]{1,6}$/u : /^[0-9]{1,7}$/u).test(digits)) return undefined
      const code = Number.parseInt(digits, hex ? 16 : 10)
      // XML 1.0 Char: no NUL, no surrogates, nothing past U+10FFFF.
      if (code === 0 || (code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) return undefined
      out += String.fromCodePoint(code)
    } else {
      const value = predefined[name]
      if (value === undefined) return undefined
      out += value
    }
    i = semi + 1
  }
  return out
}

interface OpenElement {
  readonly name: string
  readonly children: XmlElement[]
  text: string
}

const localName = (qualified: string): string => {
  const colon = qualified.lastIndexOf(":")
  return (colon >= 0 ? qualified.slice(colon + 1) : qualified).toLowerCase()
}

/** Reads one XML document with a single root element from text already size-checked by the caller. */
export const readXmlText = (text: string, limits: XmlLimits = DefaultXmlLimits): XmlReadResult => {
  // XML 1.0's Char production: no C0 controls but tab, LF and CR.
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f]/u.test(text)) return malformed("a control character XML does not allow")
  const n = text.length
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0
  const stack: OpenElement[] = []
  let root: XmlElement | undefined
  let elements = 0

  while (i < n) {
    const lt = text.indexOf("<", i)
    const chunkEnd = lt < 0 ? n : lt
    if (chunkEnd > i) {
      const chunk = text.slice(i, chunkEnd)
      const top = stack[stack.length - 1]
      if (top === undefined) {
        if (chunk.trim() !== "") return malformed("text outside the root element")
      } else {
        if (chunk.includes("]]>")) return malformed("']]>' in text")
        const resolved = resolveEntities(chunk)
        if (resolved === undefined) return malformed("an entity other than &lt; &gt; &amp; &quot; &apos; or a character reference")
        top.text += resolved
      }
    }
    if (lt < 0) break
    i = lt
    if (text.startsWith("<?", i)) {
      // Only the XML declaration, and only before the root: processing instructions carry nothing SCAIP reads.
      if (root !== undefined || stack.length > 0) return malformed("processing instruction inside the document")
      const end = text.indexOf("?>", i + 2)
      if (end < 0) return malformed("unterminated XML declaration")
      i = end + 2
      continue
    }
    if (text.startsWith("<!--", i)) {
      const end = text.indexOf("-->", i + 4)
      if (end < 0) return malformed("unterminated comment")
      i = end + 3
      continue
    }
    if (text.startsWith("<![CDATA[", i)) {
      const top = stack[stack.length - 1]
      if (top === undefined) return malformed("CDATA outside the root element")
      const end = text.indexOf("]]>", i + 9)
      if (end < 0) return malformed("unterminated CDATA section")
      top.text += text.slice(i + 9, end)
      i = end + 3
      continue
    }
    if (text.startsWith("<!", i)) return malformed("DOCTYPE and entity declarations are refused")

    const closing = text.charCodeAt(i + 1) === 47 // "/"
    let j = i + (closing ? 2 : 1)
    if (j >= n || !isNameStart(text.charCodeAt(j))) return malformed(`a tag without a name at offset ${i}`)
    const nameStart = j
    while (j < n && isNameChar(text.charCodeAt(j))) j++
    const name = localName(text.slice(nameStart, j))

    if (closing) {
      while (j < n && isSpace(text.charCodeAt(j))) j++
      if (text.charCodeAt(j) !== 62) return malformed(`unterminated end tag </${name}`)
      const open = stack.pop()
      if (open === undefined || open.name !== name) return malformed(`end tag </${name}> does not close <${open?.name ?? "nothing"}>`)
      const element: XmlElement = { name: open.name, children: open.children, text: open.text }
      const parent = stack[stack.length - 1]
      if (parent === undefined) root = element
      else parent.children.push(element)
      i = j + 1
      continue
    }

    // Attributes: name="value" or name='value', checked and dropped.
    let selfClosing = false
    for (;;) {
      const before = j
      while (j < n && isSpace(text.charCodeAt(j))) j++
      const c = text.charCodeAt(j)
      if (j >= n) return malformed(`unterminated start tag <${name}`)
      if (c === 62) {
        j++
        break
      }
      if (c === 47 && text.charCodeAt(j + 1) === 62) {
        selfClosing = true
        j += 2
        break
      }
      if (j === before || !isNameStart(c)) return malformed(`bad attribute in <${name}>`)
      while (j < n && isNameChar(text.charCodeAt(j))) j++
      while (j < n && isSpace(text.charCodeAt(j))) j++
      if (text.charCodeAt(j) !== 61) return malformed(`attribute without a value in <${name}>`)
      j++
      while (j < n && isSpace(text.charCodeAt(j))) j++
      const quote = text.charCodeAt(j)
      if (quote !== 34 && quote !== 39) return malformed(`unquoted attribute value in <${name}>`)
      const endQuote = text.indexOf(String.fromCharCode(quote), j + 1)
      if (endQuote < 0) return malformed(`unterminated attribute value in <${name}>`)
      const value = text.slice(j + 1, endQuote)
      if (value.includes("<") || resolveEntities(value) === undefined) return malformed(`bad attribute value in <${name}>`)
      j = endQuote + 1
    }

    if (root !== undefined) return malformed("more than one root element")
    elements++
    if (elements > limits.maxElements) return { ok: false, problem: { kind: "too_large", reason: `more than ${limits.maxElements} elements` } }
    if (stack.length + 1 > limits.maxDepth) return { ok: false, problem: { kind: "too_large", reason: `nested deeper than ${limits.maxDepth}` } }
    if (selfClosing) {
      const element: XmlElement = { name, children: [], text: "" }
      const parent = stack[stack.length - 1]
      if (parent === undefined) root = element
      else parent.children.push(element)
    } else {
      stack.push({ name, children: [], text: "" })
    }
    i = j
  }

  if (stack.length > 0) return malformed(`<${stack[stack.length - 1]?.name}> is never closed`)
  if (root === undefined) return malformed("no root element")
  return { ok: true, root }
}

/** Reads bytes: size cap first, then strict UTF-8, then XML. Never throws. */
export const readXml = (bytes: Uint8Array, limits: XmlLimits = DefaultXmlLimits): XmlReadResult => {
  if (bytes.length > limits.maxBytes) return { ok: false, problem: { kind: "too_large", reason: `${bytes.length} bytes, more than ${limits.maxBytes}` } }
  const text = decodeUtf8(bytes)
  if (text === undefined) return malformed("not UTF-8")
  return readXmlText(text, limits)
}
