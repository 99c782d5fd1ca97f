import { Result } from "effect"
import { StatusNumbers, type StatusNumber } from "./code-tables.ts"
import { decodeUtf8, DefaultXmlLimits, readXml, type XmlElement, type XmlLimits } from "./xml-reader.ts"

/**
 * A SCAIP Message Request (`<mrq>`, SS 91100:2014 §6.2, Table 1). Codes are zero-padded
 * ("10" → "0010"), omitted elements take the standard's "omitted" value where it gives one.
 */
export interface MessageRequest {
  readonly ref: string
  readonly ver: string
  readonly sco: "0" | "1" | "2" | "3"
  readonly cha: "0" | "1"
  readonly mty: MessageType
  readonly hbo?: string
  /** Controller id: the account of the calling unit, 1-32 digits. */
  readonly cid: string
  /** Device type, Annex A, 4 digits. */
  readonly dty: string
  /** The physical device (pendant, detector …) behind the controller, when the unit says. */
  readonly did?: string
  readonly dco?: string
  readonly dte?: string
  /** Caller ids, one per media ("gsm:+46…", "sip:…", "no-voice:"). Contact data: never logged. */
  readonly crd: ReadonlyArray<string>
  /** Status code, Annex C, 4 digits. Omitted means "alarm state shall be assumed". */
  readonly stc?: string
  readonly stt?: string
  readonly pri: number
  readonly lco?: string
  readonly lva?: string
  readonly lge?: { readonly geo?: string; readonly tim?: string; readonly gga?: string }
  readonly lte?: string
  readonly ico?: string
  readonly ite?: string
  readonly ame?: string
  /** What the reader accepted although the standard says otherwise (over-long texts …). */
  readonly warnings: ReadonlyArray<string>
}

/** ME message (alarm or status), RE reset (the sender aborts the session), IN information update, PI heartbeat. */
export type MessageType = "ME" | "RE" | "IN" | "PI"

export type ScaipRefusalKind =
  | "too_large"
  | "malformed"
  | "not_a_request"
  | "missing_reference"
  | "missing_field"
  | "invalid_field"
  | "duplicate_field"
  /** The request was read, but the event it makes does not fit the contract (e.g. a device id the registry gave that is no subject token). */
  | "invalid_event"

/** Why a request was refused, with the `<snu>` to answer and the reference to echo when there is one. */
export interface ScaipRefusal {
  readonly kind: ScaipRefusalKind
  readonly reason: string
  readonly snu: StatusNumber
  readonly ref?: string
}

const refuse = (kind: ScaipRefusalKind, reason: string, snu: StatusNumber, ref?: string): Result.Result<never, ScaipRefusal> =>
  Result.fail(ref === undefined ? { kind, reason, snu } : { kind, reason, snu, ref })

const RefPattern = /^[A-Za-z0-9]{1,16}$/u
const Digits = (min: number, max: number) => new RegExp(`^[0-9]{${min},${max}}$`, "u")
const PrintableAscii = /^[\x20-\x7e]+$/u
const Version = /^[0-9]{2}\.[0-9]{2}$/u

/** Elements that may appear once; `crd` may repeat (one per media) and is read apart. */
const Singles = ["ref", "ver", "sco", "cha", "mty", "hbo", "cid", "dty", "did", "dco", "dte", "stc", "stt", "pri", "lco", "lva", "lge", "lte", "ico", "ite", "ame"] as const

/** Free texts: the standard's lengths, which a receiver should not refuse an alarm over. */
const TextLimits = { dte: 32, stt: 32, lte: 32, ite: 128 } as const

const pad = (code: string, width: number): string => code.padStart(width, "0")

/**
 * Checks an `<mrq>` tree against Table 1. Strict where a field decides meaning or identity
 * (ref, cid, dty, mty, stc, pri, codes), lenient on descriptive texts: an alarm is not refused
 * because its location text is 40 characters long; the excess is noted in `warnings`.
 */
export const requestFromXml = (root: XmlElement): Result.Result<MessageRequest, ScaipRefusal> => {
  if (root.name !== "mrq") {
    return refuse("not_a_request", `root element <${root.name}>, expected <mrq>`, StatusNumbers.invalidFormat)
  }
  const fields = new Map<string, XmlElement>()
  const crd: Array<string> = []
  const warnings: Array<string> = []
  let duplicate: string | undefined
  for (const child of root.children) {
    if (child.name === "crd") {
      crd.push(child.text.trim())
      continue
    }
    if (fields.has(child.name) && duplicate === undefined) duplicate = child.name
    fields.set(child.name, child)
  }
  const text = (name: string): string | undefined => {
    const value = fields.get(name)?.text.trim()
    return value === undefined || value === "" ? undefined : value
  }

  const refText = text("ref")
  const ref = refText !== undefined && RefPattern.test(refText) ? refText : undefined
  if (refText === undefined) return refuse("missing_reference", "<ref> is missing or empty", StatusNumbers.referenceMissing)
  if (ref === undefined) return refuse("invalid_field", "<ref> must be 1-16 letters or digits", StatusNumbers.wrongDataContent)
  if (duplicate !== undefined) return refuse("duplicate_field", `<${duplicate}> appears more than once`, StatusNumbers.wrongDataContent, ref)

  const cid = text("cid")
  if (cid === undefined) return refuse("missing_field", "<cid> (controller id) is missing", StatusNumbers.mandatoryTagMissing, ref)
  if (!Digits(1, 32).test(cid)) return refuse("invalid_field", "<cid> must be 1-32 digits", StatusNumbers.wrongDataContent, ref)
  const dty = text("dty")
  if (dty === undefined) return refuse("missing_field", "<dty> (device type) is missing", StatusNumbers.mandatoryTagMissing, ref)
  if (!Digits(1, 4).test(dty)) return refuse("invalid_field", "<dty> must be 1-4 digits", StatusNumbers.wrongDataContent, ref)

  const bad = (name: string, rule: string) => refuse("invalid_field", `<${name}> ${rule}`, StatusNumbers.wrongDataContent, ref)

  const ver = text("ver") ?? "01.00"
  if (!Version.test(ver)) return bad("ver", "must be NN.NN")
  const sco = text("sco") ?? "0"
  if (sco !== "0" && sco !== "1" && sco !== "2" && sco !== "3") return bad("sco", "must be 0-3")
  const cha = text("cha") ?? "0"
  if (cha !== "0" && cha !== "1") return bad("cha", "must be 0 or 1")
  const mty = (text("mty") ?? "ME").toUpperCase()
  if (mty !== "ME" && mty !== "RE" && mty !== "IN" && mty !== "PI") return bad("mty", "must be ME, RE, IN or PI")
  const hbo = text("hbo")
  if (hbo !== undefined && !Digits(1, 3).test(hbo)) return bad("hbo", "must be 1-3 digits")
  const did = text("did")
  if (did !== undefined && !(did.length <= 16 && PrintableAscii.test(did))) return bad("did", "must be 1-16 printable ASCII characters")
  const dco = text("dco")
  if (dco !== undefined && !Digits(1, 3).test(dco)) return bad("dco", "must be 1-3 digits")
  const stc = text("stc")
  if (stc !== undefined && !Digits(1, 4).test(stc)) return bad("stc", "must be 1-4 digits")
  const priText = text("pri") ?? "0"
  if (!Digits(1, 1).test(priText)) return bad("pri", "must be one digit")
  const lco = text("lco")
  if (lco !== undefined && !Digits(1, 3).test(lco)) return bad("lco", "must be 1-3 digits")
  const lva = text("lva")
  if (lva !== undefined && !PrintableAscii.test(lva)) return bad("lva", "must be printable ASCII")
  const ico = text("ico")
  if (ico !== undefined && !Digits(1, 3).test(ico)) return bad("ico", "must be 1-3 digits")
  const ame = text("ame")
  if (ame !== undefined && !Digits(1, 4).test(ame)) return bad("ame", "must be 1-4 digits")
  for (const value of crd) {
    if (value.length > 256) return bad("crd", "must be at most 256 characters")
  }

  const texts: Partial<Record<keyof typeof TextLimits, string>> = {}
  for (const [name, limit] of Object.entries(TextLimits) as Array<[keyof typeof TextLimits, number]>) {
    const value = text(name)
    if (value === undefined) continue
    if (value.length > limit) warnings.push(`<${name}> is ${value.length} characters, the standard allows ${limit}`)
    texts[name] = value
  }
  if (lva !== undefined && lva.length > 2) warnings.push(`<lva> is ${lva.length} characters, the standard allows 2`)

  let lge: MessageRequest["lge"]
  const lgeElement = fields.get("lge")
  if (lgeElement !== undefined) {
    const sub = (name: string) => lgeElement.children.find((c) => c.name === name)?.text.trim() || undefined
    const geo = sub("geo")
    const tim = sub("tim")
    const gga = sub("gga")
    lge = { ...(geo !== undefined && { geo }), ...(tim !== undefined && { tim }), ...(gga !== undefined && { gga }) }
  }
  for (const name of fields.keys()) {
    if (!(Singles as ReadonlyArray<string>).includes(name)) warnings.push(`<${name}> is not a SS 91100 element; ignored`)
  }

  return Result.succeed({
    ref,
    ver,
    sco,
    cha,
    mty,
    ...(hbo !== undefined && { hbo }),
    cid,
    dty: pad(dty, 4),
    ...(did !== undefined && { did }),
    ...(dco !== undefined && { dco: pad(dco, 3) }),
    ...(texts.dte !== undefined && { dte: texts.dte }),
    crd,
    ...(stc !== undefined && { stc: pad(stc, 4) }),
    ...(texts.stt !== undefined && { stt: texts.stt }),
    pri: Number(priText),
    ...(lco !== undefined && { lco: pad(lco, 3) }),
    ...(lva !== undefined && { lva }),
    ...(lge !== undefined && { lge }),
    ...(texts.lte !== undefined && { lte: texts.lte }),
    ...(ico !== undefined && { ico: pad(ico, 3) }),
    ...(texts.ite !== undefined && { ite: texts.ite }),
    ...(ame !== undefined && { ame }),
    warnings
  })
}

/**
 * Reads a Message Request from the bytes of a SIP MESSAGE body or a TCP frame. Any bytes give a
 * typed result; nothing here throws. Over-size input answers snu 1, unreadable XML snu 2.
 */
export const parseMessageRequest = (bytes: Uint8Array, limits: XmlLimits = DefaultXmlLimits): Result.Result<MessageRequest, ScaipRefusal> => {
  const read = readXml(bytes, limits)
  if (!read.ok) {
    const ref = salvageReference(bytes, limits.maxBytes)
    return read.problem.kind === "too_large"
      ? refuse("too_large", read.problem.reason, StatusNumbers.messageTooLong, ref)
      : refuse("malformed", read.problem.reason, StatusNumbers.invalidFormat, ref)
  }
  return requestFromXml(read.root)
}

/**
 * The `<ref>` of a request the reader refused, when one can still be seen, so the error answer
 * names the request it answers. Looks only at the first `maxBytes` bytes.
 */
const salvageReference = (bytes: Uint8Array, maxBytes: number): string | undefined => {
  const text = decodeUtf8(bytes.subarray(0, maxBytes)) ?? new TextDecoder("latin1").decode(bytes.subarray(0, maxBytes))
  return /<ref>\s*([A-Za-z0-9]{1,16})\s*<\/ref>/u.exec(text)?.[1]
}
