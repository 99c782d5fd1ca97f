/**
 * A simulated SCAIP alarm sender (SS 91100:2014): writes Message Requests (`<mrq>`) the way real
 * units do, and reads the receiver's Message Response (`<mrs>`) status. Its own code, on purpose: it
 * shares nothing with the receiver's parser in @wt/scaip, so a round trip between them tests both.
 *
 * Units differ in small ways the receiver must take: element order, padded or unpadded codes
 * ("10" or "0010"), an XML declaration or none, indentation, omitted optional elements. `style`
 * picks among them.
 */

export interface ScaipAlarm {
  /** Reference: 1-16 letters or digits, new for each message session. */
  readonly ref: string
  /** Controller id: 1-32 digits. */
  readonly cid: string
  /** Device type code, Annex A (e.g. 3 pendant, 5 fall detector, 11 pill dispenser, 51 tracker). */
  readonly dty: number
  /** Status code, Annex C (e.g. 10 manual alarm, 81 pill not taken); omitted means "alarm". */
  readonly stc?: number
  readonly mty?: "ME" | "RE" | "IN" | "PI"
  readonly did?: string
  readonly dco?: number
  readonly pri?: number
  readonly lco?: number
  readonly crd?: ReadonlyArray<string>
  readonly lte?: string
  /** WGS-84 position. */
  readonly geo?: { readonly lat: number; readonly lon: number }
  /** Device time, written as SS 91100 asks: "YYYY-MM-DDThh:mm:ss+hh". */
  readonly time?: { readonly epochMs: number; readonly offsetHours: number }
}

export interface ScaipStyle {
  readonly declaration?: boolean
  readonly padCodes?: boolean
  readonly indent?: boolean
  /** A permutation seed: 0 keeps the standard's order. */
  readonly order?: number
}

const escapeXml = (text: string): string =>
  text.replace(/[&<>"']/gu, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&apos;" })[c] ?? c)

const code = (value: number, width: number, pad: boolean): string => (pad ? String(value).padStart(width, "0") : String(value))

const two = (n: number): string => String(n).padStart(2, "0")

/** "YYYY-MM-DDThh:mm:ss+hh": local time at the given whole-hour offset. */
export const scaipTime = (epochMs: number, offsetHours: number): string => {
  const local = new Date(epochMs + offsetHours * 3_600_000)
  const sign = offsetHours < 0 ? "-" : "+"
  return `${local.getUTCFullYear()}-${two(local.getUTCMonth() + 1)}-${two(local.getUTCDate())}T${two(local.getUTCHours())}:${two(local.getUTCMinutes())}:${two(local.getUTCSeconds())}${sign}${two(Math.abs(offsetHours))}`
}

/** Writes one `<mrq>` document. */
export const encodeMrq = (alarm: ScaipAlarm, style: ScaipStyle = {}): string => {
  const pad = style.padCodes ?? true
  const elements: Array<string> = [`<ref>${alarm.ref}</ref>`]
  if (alarm.mty !== undefined) elements.push(`<mty>${alarm.mty}</mty>`)
  elements.push(`<cid>${alarm.cid}</cid>`, `<dty>${code(alarm.dty, 4, pad)}</dty>`)
  if (alarm.did !== undefined) elements.push(`<did>${escapeXml(alarm.did)}</did>`)
  if (alarm.dco !== undefined) elements.push(`<dco>${code(alarm.dco, 3, pad)}</dco>`)
  for (const media of alarm.crd ?? []) elements.push(`<crd>${escapeXml(media)}</crd>`)
  if (alarm.stc !== undefined) elements.push(`<stc>${code(alarm.stc, 4, pad)}</stc>`)
  if (alarm.pri !== undefined) elements.push(`<pri>${alarm.pri}</pri>`)
  if (alarm.lco !== undefined) elements.push(`<lco>${code(alarm.lco, 3, pad)}</lco>`)
  if (alarm.geo !== undefined || alarm.time !== undefined) {
    const inner = [
      alarm.geo === undefined ? "" : `<geo>${alarm.geo.lat.toFixed(6)},${alarm.geo.lon.toFixed(6)}</geo>`,
      alarm.time === undefined ? "" : `<tim>${scaipTime(alarm.time.epochMs, alarm.time.offsetHours)}</tim>`
    ].join("")
    elements.push(`<lge>${inner}</lge>`)
  }
  if (alarm.lte !== undefined) elements.push(`<lte>${escapeXml(alarm.lte)}</lte>`)

  // A deterministic shuffle: real units do not keep the template's order.
  const order = style.order ?? 0
  if (order !== 0) {
    let seed = order >>> 0
    for (let i = elements.length - 1; i > 0; i--) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      const j = seed % (i + 1)
      const tmp = elements[i]!
      elements[i] = elements[j]!
      elements[j] = tmp
    }
  }
  const body = style.indent === true ? `<mrq>\n  ${elements.join("\n  ")}\n</mrq>\n` : `<mrq>${elements.join("")}</mrq>`
  return style.declaration === true ? `<?xml version="1.0" encoding="UTF-8"?>\n${body}` : body
}

/** The `<snu>` and `<ref>` of a receiver's `<mrs>`, read as a device firmware would: by pattern. */
export const readMrs = (text: string): { readonly ref?: string; readonly snu?: number } => {
  const ref = /<ref>\s*([A-Za-z0-9]{1,16})\s*<\/ref>/u.exec(text)?.[1]
  const snu = /<snu>\s*([0-9]{1,3})\s*<\/snu>/u.exec(text)?.[1]
  return { ...(ref !== undefined && { ref }), ...(snu !== undefined && { snu: Number(snu) }) }
}

/** SS 91100 §4.2: resend the same request while the answer is missing or "hold" (4). */
export const shouldResend = (answer: { readonly snu?: number } | undefined): boolean => answer?.snu === undefined || answer.snu === 4
