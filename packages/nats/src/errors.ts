import { Schema } from "effect"

/** The first connection to NATS could not be made. */
export class NatsConnectFailed extends Schema.TaggedError<NatsConnectFailed>()("NatsConnectFailed", {
  servers: Schema.String,
  message: Schema.String
}) {}

/** A JetStream management call (stream/consumer info, create, update, message get) failed. */
export class NatsRequestFailed extends Schema.TaggedError<NatsRequestFailed>()("NatsRequestFailed", {
  operation: Schema.String,
  message: Schema.String,
  /** The JetStream API error code, when the server answered with one. */
  code: Schema.optionalKey(Schema.Int)
}) {}

/** Creating or updating one of the streams failed. */
export class StreamProvisionFailed extends Schema.TaggedError<StreamProvisionFailed>()("StreamProvisionFailed", {
  stream: Schema.String,
  message: Schema.String
}) {}

/** A publish was not acknowledged by JetStream (no stream, timeout, limits, encoding). */
export class PublishFailed extends Schema.TaggedError<PublishFailed>()("PublishFailed", {
  subject: Schema.String,
  message: Schema.String,
  code: Schema.optionalKey(Schema.Int)
}) {}

/**
 * The subject's last sequence was not the expected one: someone else wrote first.
 * Callers answer 409 and let the client reload.
 */
export class WrongLastSequence extends Schema.TaggedError<WrongLastSequence>()("WrongLastSequence", {
  subject: Schema.String,
  expected: Schema.Int,
  message: Schema.String
}, { httpApiStatus: 409 }) {}

/** Bytes did not decode with the expected schema (bad JSON or schema mismatch). */
export class DecodeFailed extends Schema.TaggedError<DecodeFailed>()("DecodeFailed", {
  kind: Schema.Literals(["invalid_json", "schema", "invalid_frame"]),
  message: Schema.String
}) {}

/** A value could not be encoded with its schema before publishing. */
export class EncodeFailed extends Schema.TaggedError<EncodeFailed>()("EncodeFailed", {
  message: Schema.String
}) {}

/** A durable consumer exists with settings that cannot be changed in place. */
export class ConsumerSetupFailed extends Schema.TaggedError<ConsumerSetupFailed>()("ConsumerSetupFailed", {
  stream: Schema.String,
  durable: Schema.String,
  message: Schema.String
}) {}

/** No NATS server could be started or found. The message says how to get one. */
export class NatsUnavailable extends Schema.TaggedError<NatsUnavailable>()("NatsUnavailable", {
  message: Schema.String
}) {}

/** The JetStream API error code carried by an error from the NATS client, if any. */
/** JetStream API error codes the consumers' setup tells apart. */
export const ConsumerNotFound = 10014
export const ConsumerAlreadyExists = 10148

export const apiErrorCode = (error: unknown): number | undefined => {
  if (typeof error === "object" && error !== null && "code" in error && typeof error.code === "number") {
    return error.code
  }
  return undefined
}

export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** A failed request to NATS as {@link NatsRequestFailed}, with the JetStream API error code when there is one. */
export const requestFailed = (operation: string) => (cause: unknown): NatsRequestFailed => {
  const code = apiErrorCode(cause)
  const message = errorMessage(cause)
  return code === undefined ? new NatsRequestFailed({ operation, message }) : new NatsRequestFailed({ operation, message, code })
}

/** JetStream's "wrong last sequence" codes: an expected last (subject) sequence was not met. */
export const WrongLastSequenceCodes: ReadonlySet<number> = new Set([10071, 10164])
