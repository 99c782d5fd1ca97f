import { makeRng, type Rng } from "@wt/seeded-random"
import { bytesOf, CR, LF } from "./bytes.ts"
import { encryptBlocks, padFor, toHex } from "./cipher.ts"
import { crc16 } from "./crc.ts"
import { toDeviceEventDrafts } from "./device-event.ts"
import { type ParseResult, type RefusalReason, RefusalReasons } from "./frame.ts"
import { parseFrame } from "./parse.ts"
import { frameOf, type Reply, ReplyForRefusal, replyFor } from "./reply.ts"
import { formatTimestamp } from "./timestamp.ts"

/**
 * A seeded fuzz run over the receiver's whole path (parse, reply, mapping) for tests and the
 * benchmark: random bytes, and well-formed frames (plain and encrypted) with a mutation or
 * none. Each input must give a result without throwing, the reply the standard prescribes for
 * that result, a reply that is itself a sound frame, and for an accepted frame canonical
 * drafts with valid ids; an unmutated frame must be accepted.
 */
export interface FuzzReport {
  readonly inputs: number
  readonly parsed: number
  readonly refused: { readonly [R in RefusalReason]: number }
  readonly replies: { readonly ACK: number; readonly NAK: number; readonly DUH: number; readonly none: number }
  /** What broke an invariant (at most 20 kept); empty when the run passed. */
  readonly violations: ReadonlyArray<string>
  readonly violationCount: number
}

export interface FuzzOptions {
  readonly inputs: number
  readonly seed?: number
  /** Receiver clock for the run; fixed so a seed replays exactly. */
  readonly now?: number
}

const Key = bytesOf("0123456789ABCDEF0123456789ABCDEF") // demo-only key of the fuzz account
const EncryptedAccount = "C0FFEE"
const keyFor = (account: string) => (account === EncryptedAccount ? Key : undefined)
const EventIdPattern = /^[A-Za-z0-9][A-Za-z0-9_.:-]{7,127}$/u

const hexDigits = (rng: Rng, min: number, max: number) => {
  let s = ""
  const n = rng.int(min, max)
  for (let i = 0; i < n; i++) s += "0123456789ABCDEF"[rng.int(0, 15)]
  return s
}

const dataFor = (rng: Rng, messageId: string, account: string): string => {
  if (messageId === "NULL") return ""
  if (messageId === "ADM-CID") return `#${account}|${rng.pick(["1", "3", "6"])}${rng.pick(["100", "101", "110", "111", "120", "154", "301", "302", "602", "999"])} ${hexDigits(rng, 2, 2)} ${String(rng.int(0, 999)).padStart(3, "0")}`
  if (rng.chance(0.1)) return ""
  const events = Array.from({ length: rng.int(1, 3) }, () => `${rng.chance(0.3) ? `ri${rng.int(0, 9)}` : ""}${rng.pick(["QA", "MA", "FA", "WA", "AT", "AR", "RP", "YT", "ZZ", "BA"])}${rng.chance(0.7) ? String(rng.int(0, 999)) : ""}`)
  return `#${account}|N${events.join("/")}${rng.chance(0.2) ? "|Atext" : ""}`
}

interface Generated {
  readonly head: string
  readonly rest: string
  readonly encrypted: boolean
  /** Sound and in the window: the receiver must accept it as it is. */
  readonly acceptable: boolean
}

const generate = (rng: Rng, now: number): Generated => {
  const messageId = rng.pick(["SIA-DCS", "ADM-CID", "NULL"])
  const encrypted = rng.chance(0.3)
  // Now and then a plain frame from the account that encrypts: it must be refused.
  const downgraded = !encrypted && rng.chance(0.03)
  const account = encrypted || downgraded ? EncryptedAccount : hexDigits(rng, 3, 16)
  const head = `"${encrypted ? "*" : ""}${messageId}"${String(rng.int(0, 9999)).padStart(4, "0")}${rng.chance(0.5) ? `R${hexDigits(rng, 1, 6)}` : ""}L${hexDigits(rng, 1, 6)}#${account}[`
  const ext = rng.chance(0.2) ? `[X${rng.int(-180, 180)}.5][Y${rng.int(-90, 90)}.25]` : ""
  const skewS = rng.chance(0.9) ? rng.int(-39, 19) : rng.pick([-3600, -41, 21, 86_400])
  const stamped = encrypted ? rng.chance(0.97) : rng.chance(0.5)
  const stamp = stamped ? `_${formatTimestamp(now + skewS * 1000)}` : ""
  const acceptable = !downgraded && (encrypted ? stamped && skewS > -40 && skewS < 20 : true)
  return { head, rest: `${dataFor(rng, messageId, account)}]${ext}${stamp}`, encrypted, acceptable }
}

/** The frame of a generated message: the encrypted region is pad, `|`, data, timestamp. */
const encode = (rng: Rng, g: Generated): Uint8Array => {
  if (!g.encrypted) return frameOf(g.head + g.rest).bytes
  const plain = padFor(g.rest.length + 1, (n) => Uint8Array.from({ length: n }, () => rng.int(0, 255))) + "|" + g.rest
  return frameOf(g.head + toHex(encryptBlocks(Key, bytesOf(plain)))).bytes
}

/** A mutation of the readable text that is then framed again with a right CRC and length. */
const reframed = (rng: Rng, g: Generated): Uint8Array => {
  const inHead = rng.chance(0.5)
  const text = Array.from(inHead ? g.head : g.rest)
  const at = rng.int(0, Math.max(0, text.length - 1))
  const char = String.fromCharCode(rng.chance(0.5) ? rng.int(0x20, 0x7e) : rng.pick([0x22, 0x5b, 0x5d, 0x7c, 0x2a, 0x23, 0x5f, 0x2f, 0x5e, 0x09, 0xe6]))
  if (rng.chance(0.5)) text[at] = char
  else text.splice(at, rng.int(0, 3), char)
  return encode(rng, inHead ? { ...g, head: text.join("") } : { ...g, rest: text.join("") })
}

const mutate = (rng: Rng, bytes: Uint8Array): Uint8Array => {
  const b = Array.from(bytes)
  const at = rng.int(0, Math.max(0, b.length - 1))
  switch (rng.int(0, 5)) {
    case 0:
      b[at] = rng.int(0, 255)
      break
    case 1:
      b.splice(at, 1)
      break
    case 2:
      b.splice(at, 0, rng.int(0, 255))
      break
    case 3:
      b.length = at
      break
    case 4:
      return new Uint8Array([...b, ...b.slice(at)])
    default:
      b[at] = rng.pick([LF, CR, 0x22, 0x5b, 0x5d, 0x7c, 0x2a, 0x23, 0x5f])
  }
  return new Uint8Array(b)
}

const randomBytes = (rng: Rng): Uint8Array => {
  const b = Uint8Array.from({ length: rng.int(0, 300) }, () => (rng.chance(0.7) ? rng.int(0x20, 0x7e) : rng.int(0, 255)))
  if (b.length > 1 && rng.chance(0.5)) {
    b[0] = LF
    b[b.length - 1] = CR
  }
  return b
}

const soundReply = (reply: Reply): boolean => {
  if (reply.kind === "none") return true
  const b = reply.bytes
  const text = reply.text
  return b[0] === LF && b[b.length - 1] === CR && Number.parseInt(text.slice(5, 9), 16) === b.length - 10 &&
    Number.parseInt(text.slice(1, 5), 16) === crc16(b, 9, b.length - 1)
}

const expectedReply = (result: ParseResult): Reply["kind"] => {
  if (result._tag === "Parsed") return "ACK"
  const kind = ReplyForRefusal[result.reason]
  return kind === "DUH" && result.header === undefined ? "none" : kind
}

export const fuzzParse = (options: FuzzOptions): FuzzReport => {
  const rng = makeRng(options.seed ?? 9, 0)
  const now = options.now ?? Date.UTC(2026, 11, 1, 12, 0, 0)
  const receivedAt = new Date(now).toISOString()
  const refused = Object.fromEntries(RefusalReasons.map((r) => [r, 0])) as { [R in RefusalReason]: number }
  const replies = { ACK: 0, NAK: 0, DUH: 0, none: 0 }
  const violations: Array<string> = []
  let violationCount = 0
  let parsed = 0
  const violate = (what: string) => {
    violationCount++
    if (violations.length < 20) violations.push(what)
  }
  for (let n = 0; n < options.inputs; n++) {
    const kind = rng.int(0, 9)
    const g = generate(rng, now)
    const intact = kind >= 6 && g.acceptable
    const input = kind < 3 ? randomBytes(rng) : kind < 5 ? mutate(rng, encode(rng, g)) : kind < 6 ? reframed(rng, g) : encode(rng, g)
    try {
      const result = parseFrame(input, { now, keyFor })
      if (result._tag === "Parsed") {
        parsed++
        for (const draft of toDeviceEventDrafts(result.frame, receivedAt)) {
          if (!EventIdPattern.test(draft.id)) violate(`input ${n}: event id ${draft.id} does not match the contract`)
          if (draft.source.raw.length > 8192) violate(`input ${n}: raw longer than 8192`)
        }
      } else {
        refused[result.reason]++
        if (result.detail === "internal parser error") violate(`input ${n}: parser fault`)
        if (intact) violate(`input ${n}: a well-formed frame was refused (${result.reason}: ${result.detail})`)
      }
      const reply = replyFor(result, { now, keyFor })
      replies[reply.kind]++
      if (reply.kind !== expectedReply(result)) violate(`input ${n}: reply ${reply.kind}, expected ${expectedReply(result)}`)
      if (!soundReply(reply)) violate(`input ${n}: reply is not a sound frame`)
    } catch (e) {
      violate(`input ${n}: threw ${String(e)}`)
    }
  }
  return { inputs: options.inputs, parsed, refused, replies, violations, violationCount }
}
