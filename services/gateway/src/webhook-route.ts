import { Clock, Context, Effect, Layer, Option, Redacted, Result } from "effect"
import { ByteSize } from "effect"
import { HttpIncomingMessage, HttpRouter, type HttpServerRequest, HttpServerResponse } from "effect/http"
import { laneOfEvent } from "@wt/contracts"
import { acceptFrame, findTooDeep, IngestLimits, limitedReason, recordAnswered, refuseFrame, retryAfterSeconds, tooDeepReason, vendorSender } from "@wt/intake"
import { DeviceIdentities } from "@wt/registry"
import {
  type LoadedMapping,
  loadBundledVendorMappings,
  mapWebhook,
  signingKeyOf,
  verifySignature,
  webhookDeviceEvent,
  webhookHttpAnswer,
  type WebhookItemRefusal,
  WebhookLimits,
  type WebhookOutcome
} from "@wt/webhooks"
import { webhookSecrets } from "./webhook-secrets.ts"

/** The vendors whose webhooks this gateway takes: their mappings (checked at start) and secrets. */
export class WebhookVendors extends Context.Service<WebhookVendors, {
  readonly find: (vendor: string) => Option.Option<{ readonly mapping: LoadedMapping; readonly secret: Redacted.Redacted<string> | undefined }>
}>()("wt/WebhookVendors") {
  /** Refuses to start on a mapping file that does not check: a vendor's events would otherwise be refused one by one. */
  static readonly layer = Layer.effect(
    WebhookVendors,
    Effect.gen(function*() {
      const loaded = loadBundledVendorMappings()
      if (Result.isFailure(loaded)) return yield* Effect.die(new Error(`vendor webhook mappings do not check: ${loaded.failure.join("; ")}`))
      const secrets = yield* webhookSecrets(loaded.success.keys())
      return WebhookVendors.of({
        find: (vendor) => Option.map(Option.fromNullishOr(loaded.success.get(vendor)), (mapping) => ({ mapping, secret: secrets.get(vendor) }))
      })
    })
  )
}

const utf8 = new TextEncoder()
const answer = (outcome: WebhookOutcome) => {
  const a = webhookHttpAnswer(outcome)
  return HttpServerResponse.jsonUnsafe(a.body, { status: a.status })
}

/**
 * `POST /v1/webhooks/{vendor}` (contract): a vendor platform's events, mapped to canonical events by
 * the vendor's mapping file, the request's HMAC-SHA256 signature checked with the vendor's secret.
 * Each event's device is found by the vendor's id for it; every event is stored before the answer,
 * and every refused event (or a refused request) is kept in WT_DLQ (`wt.dlq.webhook`) with its bytes.
 */
export const handleWebhook = Effect.fn("Gateway.webhook")(function*(request: HttpServerRequest.HttpServerRequest) {
  const arrivedAt = performance.now()
  const vendors = yield* WebhookVendors
  const identities = yield* DeviceIdentities
  const now = yield* Clock.currentTimeMillis
  const { vendor } = yield* HttpRouter.params
  const name = vendor ?? ""
  const body = yield* request.arrayBuffer.pipe(
    Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(WebhookLimits.maxBodyBytes)),
    Effect.map((buffer) => Option.some(new Uint8Array(buffer))),
    Effect.catch(() => Effect.succeed(Option.none<Uint8Array>()))
  )
  const raw = Option.getOrElse(body, () => utf8.encode(`(body over ${WebhookLimits.maxBodyBytes} bytes not read)`))
  const refuse = (reasonKind: string, reason: string, bytes: Uint8Array = raw, tenant?: string) =>
    refuseFrame({ protocol: "webhook", reasonKind, reason: `webhook of ${name.slice(0, 40)} refused (${reasonKind}): ${reason}`, raw: bytes, ...(tenant === undefined ? {} : { tenant }) })

  const found = vendors.find(name)
  if (Option.isNone(found)) {
    yield* refuse("unknown_vendor", "no mapping for this vendor")
    return answer({ kind: "unknown_vendor" })
  }
  if (Option.isNone(body)) {
    yield* refuse("too_large", `body over ${WebhookLimits.maxBodyBytes} bytes`)
    return answer({ kind: "refused", refusal: { kind: "too_large", reason: `body over ${WebhookLimits.maxBodyBytes} bytes` } })
  }
  // Before anything reads it as JSON: a vendor's mapping walks the body recursively.
  const tooDeep = findTooDeep(raw)
  if (tooDeep !== undefined) {
    yield* refuse("too_deep", tooDeepReason(tooDeep))
    return answer({ kind: "refused", refusal: { kind: "malformed", reason: tooDeepReason(tooDeep) } })
  }
  const { mapping, secret } = found.value
  const signed = secret === undefined
    ? Result.fail({ kind: "missing_signature" as const, reason: "no secret is configured for this vendor" })
    : verifySignature(mapping.mapping, raw, request.headers, signingKeyOf(Redacted.value(secret)), now)
  if (Result.isFailure(signed)) {
    yield* refuse(signed.failure.kind, signed.failure.reason)
    return answer({ kind: "unauthenticated", refusal: signed.failure })
  }
  const mapped = mapWebhook(mapping.mapping, raw)
  if (Result.isFailure(mapped)) {
    yield* refuse(mapped.failure.kind, mapped.failure.reason)
    return answer({ kind: "refused", refusal: mapped.failure })
  }

  const rejected: Array<WebhookItemRefusal> = [...mapped.success.refused]
  const accepted: Array<string> = []
  const limits = yield* IngestLimits
  const limited: Array<{ readonly index: number; readonly reason: string; readonly retryAfterMs: number }> = []
  for (const item of mapped.success.items) {
    const device = yield* identities.find("webhook", item.vendorDeviceId, name).pipe(Effect.option)
    if (Option.isNone(device)) return answer({ kind: "store_unavailable" })
    if (Option.isNone(device.value)) {
      rejected.push({ index: item.index, kind: "invalid_device_id", reason: `device ${item.vendorDeviceId} of ${name} is not registered`, raw: item.draft.source.raw, vendorDeviceId: item.vendorDeviceId })
      continue
    }
    const { tenant, deviceId } = device.value.value
    const event = webhookDeviceEvent(item, { tenant, deviceId })
    if (Result.isFailure(event)) {
      rejected.push(event.failure)
      continue
    }
    // The platform's and the device's budgets for this event's lane (see IngestLimits).
    const verdict = yield* limits.admit("webhook", [{ sender: vendorSender(name), tenant, deviceId, lane: laneOfEvent(event.success) }])
    if (verdict._tag === "Limited") {
      limited.push({ index: item.index, reason: limitedReason(verdict), retryAfterMs: verdict.retryAfterMs })
      continue
    }
    const stored = yield* acceptFrame("webhook", { ...event.success, receivedAt: new Date(now).toISOString() }).pipe(Effect.option)
    // Not stored: the vendor retries the whole body, and what was stored collapses on its ids.
    if (Option.isNone(stored)) return answer({ kind: "store_unavailable" })
    accepted.push(item.draft.id)
  }
  yield* Effect.forEach(rejected, (r) => refuse(r.kind, `event ${r.index}: ${r.reason}`, utf8.encode(r.raw)), { discard: true })
  yield* recordAnswered("webhook", arrivedAt)
  if (limited.length === 0) return answer({ kind: "stored", accepted, rejected })
  // Over a limit: one dead letter for the request, and 429 so the platform sends the body again
  // later (what was stored now collapses on its ids then).
  yield* refuse("rate_limited", `${limited.length} events over rate limits (events ${limited.map((l) => l.index).join(", ").slice(0, 200)}): ${limited[0]!.reason}`)
  const stored = webhookHttpAnswer({ kind: "stored", accepted, rejected })
  return HttpServerResponse.jsonUnsafe(
    {
      ...stored.body,
      rejected: [...(stored.body as { rejected: ReadonlyArray<{ index: number; reason: string }> }).rejected, ...limited.map((l) => ({ index: l.index, reason: l.reason }))]
        .sort((a, b) => a.index - b.index),
      error: limited[0]!.reason
    },
    { status: 429, headers: { "retry-after": String(retryAfterSeconds(Math.max(...limited.map((l) => l.retryAfterMs)))) } }
  )
})

export const WebhookRoute = HttpRouter.add("POST", "/v1/webhooks/:vendor", handleWebhook)
