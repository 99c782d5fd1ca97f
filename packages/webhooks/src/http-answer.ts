import type { SignatureRefusal } from "./signature.ts"
import type { WebhookItemRefusal, WebhookRefusal } from "./map-webhook.ts"

/**
 * What `POST /v1/webhooks/{vendor}` answers. Vendors retry on anything but 2xx, so 2xx is given only
 * once every event of the body is stored or kept in the dead letters with its reason:
 *
 * | outcome | status |
 * |---|---|
 * | all events stored (or duplicates of stored ones) | 200 `{accepted, rejected: []}` |
 * | some events refused (kept in the dead letters), at least one stored | 202 `{accepted, rejected: [{index, reason}]}` |
 * | every event refused, or the body unreadable (kept in the dead letters) | 400 with the reasons |
 * | unknown vendor | 404 |
 * | signature missing or wrong, timestamp stale (a replay) | 401 (kept in the dead letters, not retried into success) |
 * | body too large | 413 |
 * | store unavailable | 503: the vendor retries, nothing is lost |
 */
export type WebhookOutcome =
  | { readonly kind: "stored"; readonly accepted: ReadonlyArray<string>; readonly rejected: ReadonlyArray<WebhookItemRefusal> }
  | { readonly kind: "refused"; readonly refusal: WebhookRefusal }
  | { readonly kind: "unauthenticated"; readonly refusal: SignatureRefusal }
  | { readonly kind: "unknown_vendor" }
  | { readonly kind: "store_unavailable" }

export interface WebhookHttpAnswer {
  readonly status: 200 | 202 | 400 | 401 | 404 | 413 | 503
  readonly body: { readonly accepted?: ReadonlyArray<string>; readonly rejected?: ReadonlyArray<{ readonly index: number; readonly reason: string }>; readonly error?: string }
}

export const webhookHttpAnswer = (outcome: WebhookOutcome): WebhookHttpAnswer => {
  switch (outcome.kind) {
    case "stored": {
      const rejected = outcome.rejected.map((r) => ({ index: r.index, reason: `${r.kind}: ${r.reason}` }))
      const status = rejected.length === 0 ? 200 : outcome.accepted.length === 0 ? 400 : 202
      return { status, body: { accepted: outcome.accepted, rejected } }
    }
    case "refused":
      return { status: outcome.refusal.kind === "too_large" ? 413 : 400, body: { error: `${outcome.refusal.kind}: ${outcome.refusal.reason}` } }
    case "unauthenticated":
      // The reason names the header, never the expected signature.
      return { status: 401, body: { error: outcome.refusal.kind } }
    case "unknown_vendor":
      return { status: 404, body: { error: "unknown vendor" } }
    case "store_unavailable":
      return { status: 503, body: { error: "try again" } }
  }
}
