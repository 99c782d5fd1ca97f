export { defaultNatsSettings, NatsConfig, type NatsSettings, natsSettingsFromEnv } from "./config.ts"
export { makeNats, Nats, type NatsConnectOptions } from "./connection.ts"
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
export { publishEncoded, publishEvent, type PublishOptions, publishRaw, type Published } from "./publish.ts"
export { type DeadLetterInput, DeadLetterRawLimit, DeadLetters, deadLettersTotal, sendDeadLetter } from "./dead-letters.ts"
export { consume, type ConsumeOptions, ensureConsumer, type MessageMeta } from "./consume.ts"
export { follow, type FollowMeta, type FollowOptions, followSkippedTotal } from "./follow.ts"
export { bulkReadRange, type BulkReadOptions } from "./bulk-read.ts"
export { readLastOnSubject, readSubject, readSubjectAfter, type StoredMessage } from "./read.ts"
export { tenantOfSubject } from "./subjects.ts"
export {
  type EmbeddedNats,
  type EmbeddedNatsOptions,
  findNatsServer,
  freePort,
  isProcessAlive,
  resolveNats,
  startEmbeddedNats
} from "./embedded.ts"
export { deployPlacement, natsServerConf, type NatsServerPlacement } from "./server-config.ts"
