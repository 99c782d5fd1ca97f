export { isPointer, resolvePointer } from "./json-pointer.ts"
export { KindMapping, loadVendorMapping, SignatureScheme, VendorMapping, type CopySpec, type LoadedMapping } from "./vendor-mapping.ts"
export { verifySignature, type Headers, type SignatureRefusal, type SignatureRefusalKind } from "./signature.ts"
export {
  mapWebhook,
  webhookDeviceEvent,
  WebhookLimits,
  type MappedWebhook,
  type WebhookEventDraft,
  type WebhookItem,
  type WebhookItemRefusal,
  type WebhookItemRefusalKind,
  type WebhookRefusal,
  type WebhookRefusalKind
} from "./map-webhook.ts"
export { webhookHttpAnswer, type WebhookHttpAnswer, type WebhookOutcome } from "./http-answer.ts"
export { BundledVendorMappings, loadBundledVendorMappings } from "./bundled.ts"
export { fuzzBundledWebhooks, fuzzWebhook } from "./fuzz.ts"
export { signingKeyOf, webhookSecretVariable } from "./secret-variable.ts"
