import { Result } from "effect"
import { loadBundledVendorMappings } from "./bundled.ts"
import { mapWebhook, webhookDeviceEvent } from "./map-webhook.ts"
import { verifySignature } from "./signature.ts"
import type { VendorMapping } from "./vendor-mapping.ts"

const FuzzDevice = { tenant: "fuzz", deviceId: "fuzz-device" }
const FuzzNowMs = Date.parse("2026-11-25T21:04:05.120Z")

/**
 * One input through the whole codec for a mapping: the signature check (with a header made from the
 * input itself, so it nearly always fails), then the body mapping and every item's canonical event.
 * Returns "events:<n>/refused:<m>" or "refused:<kind>"; never throws.
 */
export const fuzzWebhook = (mapping: VendorMapping, input: Uint8Array): string => {
  const headerText = new TextDecoder("latin1").decode(input.subarray(0, 128))
  const headers = { [mapping.signature.header]: headerText, ...(mapping.signature.timestamp && { [mapping.signature.timestamp.header]: String(Math.floor(FuzzNowMs / 1000)) }) }
  verifySignature(mapping, input, headers, "fuzz-secret", FuzzNowMs)
  const mapped = mapWebhook(mapping, input)
  if (Result.isFailure(mapped)) return `refused:${mapped.failure.kind}`
  let events = 0
  let refused = mapped.success.refused.length
  for (const item of mapped.success.items) {
    if (Result.isSuccess(webhookDeviceEvent(item, FuzzDevice))) events++
    else refused++
  }
  return `events:${events}/refused:${refused}`
}

let bundled: ReadonlyArray<VendorMapping> | undefined

/** `fuzzWebhook` for every shipped mapping (checked once, on first use); the outcomes joined by spaces. */
export const fuzzBundledWebhooks = (input: Uint8Array): string => {
  if (bundled === undefined) {
    const loaded = loadBundledVendorMappings()
    bundled = Result.isSuccess(loaded) ? [...loaded.success.values()].map((l) => l.mapping) : []
  }
  return bundled.map((mapping) => fuzzWebhook(mapping, input)).join(" ")
}
