import type { CidContent, Content, ExtendedData, MessageId, SiaContent, SiaEvent } from "./frame.ts"

/**
 * The part of a frame after the data's opening `[`: `data]`, then any `[X…]` extended data,
 * then an optional `_HH:MM:SS,MM-DD-YYYY`. For an encrypted frame this is the decrypted text
 * after the pad.
 */
export interface Section {
  readonly data: string
  readonly extended: ReadonlyArray<ExtendedData>
  readonly timestamp: string | undefined
}

export const readSection = (text: string): Section | string => {
  const close = text.indexOf("]")
  if (close < 0) return "no ] closes the data"
  const data = text.slice(0, close)
  if (data.includes("[")) return "a [ inside the data"
  const extended: Array<ExtendedData> = []
  let at = close + 1
  while (text[at] === "[") {
    const end = text.indexOf("]", at)
    if (end < 0) return "no ] closes an extended data block"
    const block = text.slice(at + 1, end)
    if (block.length === 0 || block.includes("[")) return "an empty or nested extended data block"
    extended.push({ id: block[0]!, value: block.slice(1) })
    at = end + 1
  }
  if (at === text.length) return { data, extended, timestamp: undefined }
  if (text[at] !== "_") return "unexpected text after the data"
  return { data, extended, timestamp: text.slice(at + 1) }
}

const AccountPrefix = /^#([0-9A-Fa-f]{3,16})\|/u

/** `#acct|` at the start of the data, which both SIA-DCS and ADM-CID repeat. */
const splitAccount = (data: string): { readonly account: string | undefined; readonly rest: string } => {
  const m = AccountPrefix.exec(data)
  return m === null ? { account: undefined, rest: data } : { account: m[1], rest: data.slice(m[0].length) }
}

const CidPattern = /^([136])([0-9A-Fa-f]{3}) ([0-9A-Fa-f]{2}) ([0-9A-Fa-f]{3})$/u

/** ADM-CID data: `#acct|QEEE GG CCC` (SIA DC-05 Contact ID carried by DC-09). */
export const readContactId = (data: string): CidContent | string => {
  const { account, rest } = splitAccount(data)
  const m = CidPattern.exec(rest)
  if (m === null) return "ADM-CID data is not QEEE GG CCC"
  return { _tag: "CID", account, qualifier: m[1] as CidContent["qualifier"], event: m[2]!.toUpperCase(), partition: m[3]!, zone: m[4]! }
}

const Modifier = /^([a-z]{2})/u
const TimeValue = /^\d{2}:\d{2}(?::\d{2})?/u
const Digits = /^[0-9]*/u
const Code = /^[A-Z]{2}/u

interface Context {
  area?: string
  user?: string
  time?: string
}

/**
 * One `N` block: items separated by `/`, each some lower-case modifiers (`ri` area, `id` user,
 * `ti` time, others kept out) that hold for the events after them, then events of a two-letter
 * code, a numeric address and an optional `^text^`.
 */
const readEventBlock = (block: string, events: Array<SiaEvent>): string | undefined => {
  const context: Context = {}
  for (const item of block.split("/")) {
    let rest = item
    while (rest.length > 0) {
      const modifier = Modifier.exec(rest)
      if (modifier !== null) {
        const name = modifier[1]!
        rest = rest.slice(2)
        const value = (name === "ti" ? TimeValue : Digits).exec(rest)?.[0] ?? ""
        rest = rest.slice(value.length)
        if (name === "ri") context.area = value
        else if (name === "id") context.user = value
        else if (name === "ti") context.time = value
        continue
      }
      const code = Code.exec(rest)?.[0]
      if (code === undefined) return "an SIA event item without a two-letter code"
      rest = rest.slice(2)
      const address = Digits.exec(rest)?.[0] ?? ""
      rest = rest.slice(address.length)
      let text: string | undefined
      if (rest.startsWith("^")) {
        const end = rest.indexOf("^", 1)
        text = end < 0 ? rest.slice(1) : rest.slice(1, end)
        rest = end < 0 ? "" : rest.slice(end + 1)
      }
      events.push({
        code,
        address,
        ...(context.area === undefined ? {} : { area: context.area }),
        ...(context.user === undefined ? {} : { user: context.user }),
        ...(context.time === undefined ? {} : { time: context.time }),
        ...(text === undefined ? {} : { text })
      })
    }
  }
  return undefined
}

/**
 * SIA-DCS data: `#acct|` then blocks separated by `|`: `N…` new events (`O…` for events the
 * panel stored and reports late), `A…` text. Empty data (`[]`) is a frame without events.
 */
export const readSia = (data: string): SiaContent | string => {
  if (data.length === 0) return { _tag: "SIA", account: undefined, events: [], texts: [] }
  const { account, rest } = splitAccount(data)
  const events: Array<SiaEvent> = []
  const texts: Array<string> = []
  for (const block of rest.split("|")) {
    const kind = block[0]
    if (kind === "N" || kind === "O") {
      const problem = readEventBlock(block.slice(1), events)
      if (problem !== undefined) return problem
    } else if (kind === "A") texts.push(block.slice(1))
    else return "an SIA data block that is neither N, O nor A"
  }
  return { _tag: "SIA", account, events, texts }
}

export const readContent = (messageId: MessageId, data: string): Content | string => {
  switch (messageId) {
    case "SIA-DCS":
      return readSia(data)
    case "ADM-CID":
      return readContactId(data)
    case "NULL":
      return { _tag: "Null" }
  }
}
