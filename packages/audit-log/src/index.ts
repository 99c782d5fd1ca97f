export { appendAuditEntry, appendDeviceEventEntry, appendDeviceEventsEntry } from "./audit-log.ts"
export {
  deviceEventEntry,
  deviceEventEntryBytes,
  deviceEventsEntryBytes,
  deviceEventsEntryId,
  type DeviceEventsData,
  incidentRecordEntries,
  type Origin,
  type StoredDeviceEvent
} from "./entries.ts"
export { changedFields, changedOnlyFields, type ConfigChange, configChangeEntry, type ConfigEntity, fieldMac } from "./config-change.ts"
export {
  type AuditFieldKey,
  auditFieldKeyConfig,
  AuditFieldKeyError,
  auditFieldKeyOf,
  createSecretFileOnce,
  loadAuditFieldKey
} from "./config-change-key.ts"

// The sealed trail: sealing WT_AUDIT into WT_AUDIT_SEALS, reading entries, seals, keys and anchors
// back, and verifying them. The audit service seals with it; `wt audit` reads and verifies with it.
export { acknowledgeTrail, NothingToAcknowledge } from "./sealed-trail/acknowledge.ts"
export { AnchorFileError, anchorsFileConfig, appendAnchor, readAnchors } from "./sealed-trail/anchor-file.ts"
export {
  AnchorCommandFailed,
  anchorCommandConfig,
  type AnchorCommandSettings,
  anchorHook,
  type AnchorHook,
  runAnchorCommand
} from "./sealed-trail/anchor-hook.ts"
export { type LiveVerification, verifyLiveTrail } from "./sealed-trail/live-verification.ts"
export { type RangeVerdict, verifyRange } from "./sealed-trail/range-verification.ts"
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
} from "./sealed-trail/seal-store.ts"
export { AuditPublicKey, SealedStream, sealMsgId, SealStream, sealStreamSpec } from "./sealed-trail/seal-stream.ts"
export {
  type Anchoring,
  lastSealedSeq,
  runSealer,
  SealRace,
  sealedEntriesTotal,
  type SealerSettings,
  sealerSettingsConfig,
  trailCheckIntervalConfig
} from "./sealed-trail/sealer.ts"
export {
  loadOrCreateSigningKey,
  readRetiredKey,
  retiredKeysDir,
  retiredPublicKeys,
  rotateSigningKey,
  SigningKeyError,
  signingKeyFileConfig
} from "./sealed-trail/signing-key.ts"
export { observeTrail, TrailBroken, trailBreaksTotal, trailBroken } from "./sealed-trail/trail-check.ts"
export {
  followInBatches,
  type MessageBatches,
  type RawMessage,
  readStreamRange,
  type ReadRangeOptions,
  streamBounds
} from "./sealed-trail/stream-reader.ts"
