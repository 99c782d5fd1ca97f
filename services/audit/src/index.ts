export { AuditSealing } from "./audit-sealing.ts"
export { AuditWriters } from "./audit-writers.ts"
export { type LiveVerification, verifyLiveTrail } from "./live-verification.ts"
export { type RangeVerdict, verifyRange } from "./range-verification.ts"
export {
  publicKeyRecord,
  publishSigningKey,
  readLastSeal,
  readPublishedKeys,
  readSeals,
  SealUnreadable,
  type StoredSeal,
  verifyingKeys
} from "./seal-store.ts"
export { AuditPublicKey, SealedStream, sealMsgId, SealStream, sealStreamSpec } from "./seal-stream.ts"
export { lastSealedSeq, runSealer, SealRace, sealedEntriesTotal, type SealerSettings, sealerSettingsConfig } from "./sealer.ts"
export { loadOrCreateSigningKey, SigningKeyError, signingKeyFileConfig } from "./signing-key.ts"
export { followInBatches, type MessageBatches, type RawMessage, readStreamRange, type ReadRangeOptions, streamBounds } from "./stream-reader.ts"
