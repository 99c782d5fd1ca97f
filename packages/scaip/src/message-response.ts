import { StatusNumberMeanings, StatusNumbers, type StatusNumber } from "./code-tables.ts"
import type { ScaipRefusal } from "./message-request.ts"

/** A Message Response (`<mrs>`, SS 91100:2014 §6.3, Table 2). */
export interface MessageResponse {
  /** The request's reference; absent only when the request had none to echo (snu 10) or none could be read. */
  readonly ref?: string
  readonly snu: StatusNumber
  /** Up to 128 printable ASCII characters; never personal data. */
  readonly ste?: string
  /** Media reply: 0 (or omitted) no voice call, 1 duplex, 2/3 simplex. This centre answers 0 until it takes voice. */
  readonly mre?: 0 | 1 | 2 | 3
  /** Call-handling reply "01"-"62". */
  readonly cre?: string
  /** Heartbeat interval in minutes (1-1440), only for a sender that said it can adjust (`<hbo>001</hbo>`). */
  readonly hbi?: number
}

const escapeText = (text: string): string =>
  text.replace(/[^\x20-\x7e]/gu, "?").slice(0, 128).replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")

/** Writes `<mrs>` as compact XML (no declaration: the SIP MESSAGE's Content-Type says what it is). */
export const encodeMessageResponse = (response: MessageResponse): string => {
  const parts = ["<mrs>"]
  if (response.ref !== undefined && /^[A-Za-z0-9]{1,16}$/u.test(response.ref)) parts.push(`<ref>${response.ref}</ref>`)
  parts.push(`<snu>${response.snu}</snu>`)
  if (response.ste !== undefined && response.ste !== "") parts.push(`<ste>${escapeText(response.ste)}</ste>`)
  if (response.mre !== undefined && response.mre !== 0) parts.push(`<mre>${response.mre}</mre>`)
  if (response.cre !== undefined && /^[0-9]{2}$/u.test(response.cre)) parts.push(`<cre>${response.cre}</cre>`)
  if (response.hbi !== undefined && Number.isInteger(response.hbi) && response.hbi >= 1 && response.hbi <= 1440) parts.push(`<hbi>${response.hbi}</hbi>`)
  parts.push("</mrs>")
  return parts.join("")
}

/**
 * What became of a request at the receiver, and so which `<snu>` it answers:
 *
 * | outcome | snu | why |
 * |---|---|---|
 * | stored (or a duplicate of a stored request) | 0 | handled; the sender stops resending |
 * | store timed out (may still land) | 4 hold | the sender resends in 5-20 s; de-duplication makes that safe, and the resend is answered 0 once stored |
 * | store unavailable / overloaded | 6 busy | the sender retries later or takes its next alarm action (e.g. a voice call) |
 * | unknown device / not authorised | 5 not treated | the sender takes its next alarm action instead of waiting on us |
 * | refused request | the refusal's own (1, 2, 3, 7, 10) | a message error the sender cannot fix by resending |
 * | anything else | 99 undefined error | |
 *
 * Answer 0 only after JetStream stored the event: 0 tells the alarm sender it may stop trying.
 */
export type ReceiverOutcome =
  | { readonly kind: "stored"; readonly ref: string }
  | { readonly kind: "duplicate"; readonly ref: string }
  | { readonly kind: "store_timeout"; readonly ref: string }
  | { readonly kind: "store_unavailable"; readonly ref: string }
  | { readonly kind: "unknown_device"; readonly ref: string }
  | { readonly kind: "not_authorised"; readonly ref: string }
  | { readonly kind: "refused"; readonly refusal: ScaipRefusal }
  | { readonly kind: "internal_error"; readonly ref?: string }

export const responseFor = (outcome: ReceiverOutcome): MessageResponse => {
  switch (outcome.kind) {
    case "stored":
    case "duplicate":
      return { ref: outcome.ref, snu: StatusNumbers.ok }
    case "store_timeout":
      return { ref: outcome.ref, snu: StatusNumbers.hold, ste: "being stored, resend for status" }
    case "store_unavailable":
      return { ref: outcome.ref, snu: StatusNumbers.busy, ste: "receiver busy, try again or take next alarm action" }
    case "unknown_device":
      return { ref: outcome.ref, snu: StatusNumbers.notTreated, ste: "unknown device" }
    case "not_authorised":
      return { ref: outcome.ref, snu: StatusNumbers.notTreated, ste: "not authorised" }
    case "refused":
      return {
        ...(outcome.refusal.ref !== undefined && { ref: outcome.refusal.ref }),
        snu: outcome.refusal.snu,
        ste: `${StatusNumberMeanings[outcome.refusal.snu]}: ${outcome.refusal.reason}`
      }
    case "internal_error":
      return { ...(outcome.ref !== undefined && { ref: outcome.ref }), snu: StatusNumbers.undefinedError }
  }
}
