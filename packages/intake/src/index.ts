export { acceptFrame, admitFrame, countFrame, type ReceiverProtocol, recordAnswered, type Refusal, refuseFrame } from "./receiver-frames.ts"
export { storedBytes, storeDeviceEvent, storeDeviceEvents } from "./store-device-event.ts"
export { findTooDeep, MaxJsonDepth, type TooDeep, tooDeepReason } from "./json-nesting.ts"
export {
  DefaultIngestLimits,
  type EntryPoint,
  IngestLimits,
  IngestLimitsSettings,
  ingestKeySender,
  limitedReason,
  ratesOf,
  retryAfterSeconds,
  vendorSender
} from "./ingest-limits.ts"
export { type Admission, type LaneRates, LimitBook, type LimitScope, type Verdict } from "./limit-book.ts"
export { type Bucket, type Rate, refill, take, type Take } from "./token-bucket.ts"
