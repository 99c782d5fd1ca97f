import type { OsmAndRefusal } from "./report.ts"

/**
 * What a Traccar-protocol client expects back. The clients treat only HTTP 200 as success: the
 * Traccar Client deletes a buffered position on 200 and otherwise retries the same (oldest)
 * position every 30 seconds, so a position answered with an error forever blocks every position
 * behind it. Hence:
 *
 * | outcome | status | why |
 * |---|---|---|
 * | stored, or a duplicate of a stored report | 200 | the client drops it and sends the next |
 * | refused for its content (bad position, time …), once kept in the dead letters | 200 | a resend cannot fix it; an error would wedge the client's queue. Counted and kept, not dropped |
 * | no device id, or unreadable request | 400 | as Traccar; nothing to attribute it to |
 * | unknown device, query form | 400 | as Traccar's decoder (the client retries until the device is registered) |
 * | unknown device, JSON form | 404 | as Traccar's decoder |
 * | too large | 413 | |
 * | store unavailable | 503 | the client retries; nothing is lost |
 */
export type OsmAndOutcome =
  | { readonly kind: "stored" }
  | { readonly kind: "duplicate" }
  | { readonly kind: "refused"; readonly refusal: OsmAndRefusal }
  | { readonly kind: "unknown_device"; readonly form: "query" | "json" }
  | { readonly kind: "store_unavailable" }

export interface OsmAndHttpAnswer {
  readonly status: 200 | 400 | 404 | 413 | 503
  readonly body: string
}

/** Refusals about the request itself rather than about a position in it: nothing to keep under a device. */
const unattributable = (refusal: OsmAndRefusal) =>
  refusal.kind === "missing_device_id" || refusal.kind === "invalid_device_id" || refusal.kind === "malformed" || refusal.kind === "too_large"

/** Answer a "refused" outcome only after the request is in the dead letters: a 200 tells the client it may forget it. */
export const osmandHttpAnswer = (outcome: OsmAndOutcome): OsmAndHttpAnswer => {
  switch (outcome.kind) {
    case "stored":
    case "duplicate":
      return { status: 200, body: "" }
    case "refused":
      if (outcome.refusal.kind === "too_large") return { status: 413, body: outcome.refusal.reason }
      return unattributable(outcome.refusal) ? { status: 400, body: outcome.refusal.reason } : { status: 200, body: "" }
    case "unknown_device":
      return outcome.form === "json" ? { status: 404, body: "unknown device" } : { status: 400, body: "unknown device" }
    case "store_unavailable":
      return { status: 503, body: "try again" }
  }
}
