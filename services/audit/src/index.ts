export { acknowledgeTrail, NothingToAcknowledge } from "./acknowledge.ts"
export { AnchorFileError, anchorsFileConfig, appendAnchor, readAnchors } from "./anchor-file.ts"
export { AnchorCommandFailed, anchorCommandConfig, type AnchorCommandSettings, anchorHook, type AnchorHook, runAnchorCommand } from "./anchor-hook.ts"
export { AuditSealing } from "./audit-sealing.ts"
export { AuditWriters } from "./audit-writers.ts"
export { type LiveVerification, verifyLiveTrail } from "./live-verification.ts"
export { type RangeVerdict, verifyRange } from "./range-verification.ts"
export {
  announceKeyRotation,
  KeyRotationSubject,
  publicKeyRecord,
  publishSigningKey,
  readKeyRotations,
  readLastSeal,
  readPublishedKeys,
  readSeals,
  SealUnreadable,
  type StoredSeal,
  verifyingKeys
} from "./seal-store.ts"
export { AuditPublicKey, SealedStream, sealMsgId, SealStream, sealStreamSpec } from "./seal-stream.ts"
export {
  type Anchoring,
  lastSealedSeq,
  runSealer,
  SealRace,
  sealedEntriesTotal,
  type SealerSettings,
  sealerSettingsConfig,
  trailCheckIntervalConfig
} from "./sealer.ts"
export {
  loadOrCreateSigningKey,
  readRetiredKey,
  retiredKeysDir,
  retiredPublicKeys,
  rotateSigningKey,
  SigningKeyError,
  signingKeyFileConfig
} from "./signing-key.ts"
export { observeTrail, TrailBroken, trailBreaksTotal, trailBroken } from "./trail-check.ts"
export { followInBatches, type MessageBatches, type RawMessage, readStreamRange, type ReadRangeOptions, streamBounds } from "./stream-reader.ts"
