export { defaultNatsSettings, natsAccessFromEnv, NatsConfig, type NatsSettings, natsSettingsFromEnv } from "./config.ts"
export { makeNats, Nats, type NatsAccess, type NatsConnectOptions, PingIntervalMs } from "./connection.ts"
export type { NatsClient } from "./client.ts"
export type { MessageAt, NatsOperations, NewStream } from "./operations.ts"
export type { KvBucket, KvEntry, KvOptions } from "./kv.ts"
export {
  authenticatorOf,
  type NatsAuth,
  natsAuthEnv,
  natsAuthFromEnv,
  type NatsTls,
  natsTlsFromEnv,
  NoAuth
} from "./credentials.ts"
export {
  ensureLocalNatsSecurity,
  LocalNode,
  type LocalNatsSecurity,
  type LocalNatsSecurityOptions,
  type LocalUser,
  type NatsClientAccess,
  natsClientEnv,
  TestUser
} from "./local-security.ts"
export { ensureLocalTls, type LocalTlsFiles, loopbackHosts, type TlsNode } from "./local-tls.ts"
export {
  Buckets,
  inboxPrefixOf,
  type NatsUser,
  NatsUsers,
  permissionsOf,
  type SubjectPermission,
  type UserPermissions
} from "./users.ts"
export {
  ConsumerSetupFailed,
  DecodeFailed,
  EncodeFailed,
  NatsConnectFailed,
  NatsRequestFailed,
  NatsUnavailable,
  PublishFailed,
  StreamProvisionFailed,
  WrongLastSequence
} from "./errors.ts"
export { decodeJson, encodeJson, type WireSchema } from "./codec.ts"
export { ensureStream, provisionStreams, provisionStreamsWith, streamSpecs, type StreamSpec, streamsReady } from "./streams.ts"
export { publishEncoded, publishEvent, type PublishOptions, publishRaw, publishRawAll, type Published, type RawMessage } from "./publish.ts"
export { type DeadLetterInput, DeadLetterRawLimit, DeadLetters, deadLettersTotal, sendDeadLetter } from "./dead-letters.ts"
export { consume, type ConsumeOptions, type DeliverFrom, ensureConsumer, type HandleNow, type MessageMeta } from "./consume.ts"
export { consumeLane, LaneAckWaitMs, laneConsumer } from "./device-lane.ts"
export { follow, type FollowMeta, type FollowOptions, followSkippedTotal } from "./follow.ts"
export { followPushed, type FollowPushedOptions, retireDurable } from "./follow-pushed.ts"
export { decodeDeviceFrame, type DeviceFrame, encodeDeviceFrame, type FramedEvent } from "./device-frame.ts"
export { DeviceFrameLimits, type DeviceFrameWriterOptions, type FramedLane, FramedLanes, writeDeviceFrames, writeLaneFrames } from "./device-frame-writer.ts"
export { FrameGatherer, type FrameLimits } from "./frame-gatherer.ts"
export { firstFrameFrom, frameReaderStart, markFramesStart, moveToFrames } from "./device-frame-start.ts"
export { followDeviceFrames, type FollowDeviceFramesOptions } from "./follow-device-frames.ts"
export { decodeFramedThrough, encodeFramedThrough, type FramedThrough, framedThroughSubject, FramedThroughSubjects, listenFramedThrough } from "./framed-through.ts"
export { consumeFramedEvents, frameConsumer, FrameAckWaitMs, framedEventsSettled, type FramedEventsOptions } from "./consume-framed-events.ts"
export { bulkReadRange, type BulkReadOptions } from "./client-fast-paths/bulk-read.ts"
export { forEachOnSubjectAfter, type GotMessage, readAtSequence, readLastOnSubject, readSubject, readSubjectAfter, type StoredMessage } from "./read.ts"
export { publishOnce } from "./publish-once.ts"
export { readRange, type ReadRangeOptions } from "./read-range.ts"
export { readSince, type ReadSinceOptions } from "./read-since.ts"
export { tenantOfSubject } from "./subjects.ts"
export {
  type EmbeddedNats,
  type EmbeddedNatsOptions,
  embeddedTlsFromEnv,
  findClusterNatsServer,
  findNatsServer,
  MinClusterServer,
  natsServerVersion,
  olderThanClusterMinimum,
  freePort,
  isProcessAlive,
  localNatsAccess,
  natsAccessFor,
  resolveNats,
  secretsDirOf,
  startEmbeddedNats
} from "./embedded.ts"
export {
  authorizationConf,
  deployClusterNode,
  deployClusterSecurity,
  deployPlacement,
  deploySecurity,
  type NatsClusterNode,
  natsClusterNodeConf,
  natsServerConf,
  type NatsServerPlacement,
  type NatsServerSecurity
} from "./server-config.ts"
export { agencyStreamSpec, AgencyStream, CareAlarmBucket, DeviceFramesStream, deviceFramesStreamSpec, DeviceSeenBucket, InstallationBuckets, OpenIncidentBucket, PendingChecksBucket, PendingCheckTtlMs, ResidentActivityBucket, SealedStream, SealStream, sealStreamSpec, SignsOfLifeKeepMs, SignsOfLifeStream, signsOfLifeStreamSpec } from "./installation.ts"
