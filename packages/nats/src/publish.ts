import { Effect, Result } from "effect"
import { encodeJson, type WireSchema } from "./codec.ts"
import { clientOf } from "./client.ts"
import { ownPubAcksOf, type PubAckOptions, pubAcksOf } from "./client-fast-paths/pub-acks.ts"
import { Nats } from "./connection.ts"
import { apiErrorCode, type EncodeFailed, errorMessage, PublishFailed, WrongLastSequence, WrongLastSequenceCodes } from "./errors.ts"
import { formatTraceparent, tracingExported } from "./trace-context.ts"

const DefaultTimeoutMs = 5_000

export interface PublishOptions {
  /**
   * Sent as `Nats-Msg-Id`: a second publish with the same id inside the stream's window is stored once.
   * Omit it only with `expectedLastSubjectSequence`: a repeat of such a write fails instead of landing twice.
   */
  readonly msgId?: string
  /** The publish succeeds only if the subject's last stored sequence is this (0: the subject is empty). */
  readonly expectedLastSubjectSequence?: number
  /** How long to wait for JetStream's acknowledgement, per attempt; default 5 s. */
  readonly timeoutMs?: number
  /**
   * Attempts when JetStream does not answer (timeout, or no responders while a stream
   * elects a leader, e.g. after its replicas changed); default 3. Safe because the
   * msgId makes a repeated publish land once.
   */
  readonly attempts?: number
}

/** Where JetStream stored the message; `duplicate` when the msgId was already stored. */
export interface Published {
  readonly stream: string
  readonly seq: number
  readonly duplicate: boolean
}


const publishError = (subject: string, options: PublishOptions, cause: unknown): PublishFailed | WrongLastSequence => {
  const code = apiErrorCode(cause)
  if (code !== undefined && WrongLastSequenceCodes.has(code) && options.expectedLastSubjectSequence !== undefined) {
    return new WrongLastSequence({ subject, expected: options.expectedLastSubjectSequence, message: errorMessage(cause) })
  }
  const message = errorMessage(cause)
  return code === undefined ? new PublishFailed({ subject, message }) : new PublishFailed({ subject, message, code })
}

const pubAckOptionsOf = (options: PublishOptions, traceparent: string | undefined): PubAckOptions => ({
  ...(options.msgId === undefined ? {} : { msgId: options.msgId }),
  ...(options.expectedLastSubjectSequence === undefined ? {} : { expectedLastSubjectSequence: options.expectedLastSubjectSequence }),
  timeoutMs: options.timeoutMs ?? DefaultTimeoutMs,
  attempts: options.attempts ?? 3,
  ...(traceparent === undefined ? {} : { traceparent })
})

/** The connection's publisher, with the inbox prefix its user may subscribe under. */
const pubAcksFor = (nats: Nats["Service"]) => pubAcksOf(clientOf(nats).nc, nats.access.inboxPrefix)

const send = (
  nats: Nats["Service"],
  subject: string,
  bytes: Uint8Array,
  options: PublishOptions,
  traceparent: string | undefined
): Effect.Effect<Published, PublishFailed | WrongLastSequence> =>
  Effect.tryPromise({
    try: () => pubAcksFor(nats).publish(subject, bytes, pubAckOptionsOf(options, traceparent)),
    catch: (cause) => publishError(subject, options, cause)
  })

/** The subject's first two tokens (`wt.dev`, `wt.inc`, `$KV.<bucket>`): the rest names tenants, devices and incidents. */
const subjectFamily = (subject: string): string => {
  const first = subject.indexOf(".")
  const second = first < 0 ? -1 : subject.indexOf(".", first + 1)
  return second < 0 ? subject : subject.slice(0, second)
}

/**
 * Publishes bytes and resolves once JetStream has stored them (its PubAck).
 * Fails with `WrongLastSequence` when `expectedLastSubjectSequence` did not match.
 * No span per call unless traces are exported: ingest publishes tens of thousands of events
 * a second. When they are (`TracingLive`), the publish is a producer span and its
 * `traceparent` travels in the message's headers, so whoever handles the message continues the trace.
 */
export const publishRaw = (
  subject: string,
  bytes: Uint8Array,
  options: PublishOptions
): Effect.Effect<Published, PublishFailed | WrongLastSequence, Nats> =>
  Nats.use((nats) =>
    Effect.withFiber((fiber) =>
      tracingExported(fiber)
        ? Effect.useSpan(
          "Nats.publish",
          { kind: "producer", attributes: { "messaging.system": "nats", "messaging.operation.type": "send", "messaging.destination.name": subjectFamily(subject) } },
          (span) => send(nats, subject, bytes, options, formatTraceparent(span))
        )
        : send(nats, subject, bytes, options, undefined)
    )
  )

/** One message of {@link publishRawAll}. */
export interface RawMessage {
  readonly subject: string
  readonly bytes: Uint8Array
  readonly options: PublishOptions
}

const sendAll = (
  nats: Nats["Service"],
  messages: ReadonlyArray<RawMessage>,
  ownConnection: boolean | string
): Effect.Effect<Array<Result.Result<Published, PublishFailed | WrongLastSequence>>> =>
  Effect.callback((resume) => {
    const results = new Array<Result.Result<Published, PublishFailed | WrongLastSequence>>(messages.length)
    let left = messages.length
    const settled = () => {
      if (--left === 0) resume(Effect.succeed(results))
    }
    const acks = ownConnection === false
      ? pubAcksFor(nats)
      : ownPubAcksOf(clientOf(nats).nc, nats.access, ownConnection === true ? undefined : ownConnection)
    messages.forEach(({ subject, bytes, options }, i) => {
      acks.publishThen(
        subject,
        bytes,
        pubAckOptionsOf(options, undefined),
        (ack) => {
          results[i] = Result.succeed(ack)
          settled()
        },
        (cause) => {
          results[i] = Result.fail(publishError(subject, options, cause))
          settled()
        }
      )
    })
  })

/**
 * Publishes many messages at once, each stored and answered as {@link publishRaw} would, and
 * resolves once JetStream has answered every one: one result per message, in order, so one
 * failure never hides another's success. Never fails as a whole. Ingest stores a request's
 * thousand events this way: one wait for all of them, instead of a fiber and a promise for each.
 * While traces are exported each message is published on its own, with its producer span.
 */
export const publishRawAll = (
  messages: ReadonlyArray<RawMessage>,
  options?: {
    /**
     * Over a connection of the process's own (`ownPubAcksOf`): for batches whose order with the
     * process's other publishes does not matter (ingest's stored events); about a third less CPU per publish.
     * A name instead of `true`: the process's own connection of that name, one per name.
     */
    readonly ownConnection?: boolean | string
  }
): Effect.Effect<Array<Result.Result<Published, PublishFailed | WrongLastSequence>>, never, Nats> =>
  messages.length === 0
    ? Effect.succeed([])
    : Nats.use((nats) =>
      Effect.withFiber((fiber) =>
        tracingExported(fiber)
          ? Effect.forEach(messages, ({ subject, bytes, options }) => Effect.result(publishRaw(subject, bytes, options)), { concurrency: "unbounded" })
          : sendAll(nats, messages, options?.ownConnection ?? false)
      )
    )

/** Publishes bytes already encoded like {@link publishRaw}; an encoding that failed fails the publish. */
export const publishEncoded = (
  subject: string,
  bytes: Result.Result<Uint8Array, EncodeFailed>,
  options: PublishOptions
): Effect.Effect<Published, PublishFailed | WrongLastSequence, Nats> =>
  Result.isSuccess(bytes)
    ? publishRaw(subject, bytes.success, options)
    : Effect.fail(new PublishFailed({ subject, message: `cannot encode: ${bytes.failure.message}` }))

/** Encodes the value with its schema to JSON and publishes it like {@link publishRaw}. */
export const publishEvent = <A>(
  subject: string,
  schema: WireSchema<A>,
  value: A,
  options: PublishOptions
): Effect.Effect<Published, PublishFailed | WrongLastSequence, Nats> => publishEncoded(subject, encodeJson(schema, value), options)
