import type { ConsumerConfig, ConsumerInfo, JetStreamAccountStats, StreamConfig, StreamInfo, StreamUpdateConfig } from "@nats-io/jetstream"
import { Effect, Option } from "effect"
import { ClientKey, type NatsClient } from "./client.ts"
import type { NatsAccess } from "./connection.ts"
import { type NatsRequestFailed, requestFailed } from "./errors.ts"
import { type KvBucket, type KvOptions, type OnConnection, openKv } from "./kv.ts"
import { getStored, type GotMessage } from "./read.ts"

/** Where a message is: its stream sequence, or the last one stored on a subject. */
export type MessageAt = { readonly seq: number } | { readonly lastBySubject: string }

/** What a stream is made with: at least its name. */
export type NewStream = Partial<StreamConfig> & { readonly name: string }

/**
 * An open NATS connection, as typed operations that fail with {@link NatsRequestFailed} (with the
 * JetStream API error code, e.g. 10059 for a stream that does not exist). Publishing, consuming
 * and reading streams are the package's functions (`publishRaw`, `consume`, `follow`, `readSubject` …).
 */
export interface NatsOperations {
  /** The credentials, CA and inbox prefix the connection was opened with. */
  readonly access: NatsAccess
  /** The server the connection is on now, `host:port`. */
  readonly server: Effect.Effect<string>
  /** True once the connection is closed for good (its scope ended). */
  readonly isClosed: Effect.Effect<boolean>
  /** A round trip to the server: everything sent before it has reached it. */
  readonly flush: Effect.Effect<void, NatsRequestFailed>
  readonly accountInfo: Effect.Effect<JetStreamAccountStats, NatsRequestFailed>
  /** With `subjectsFilter`, its `state.subjects` counts the messages per subject matching it. */
  readonly streamInfo: (stream: string, options?: { readonly subjectsFilter?: string }) => Effect.Effect<StreamInfo, NatsRequestFailed>
  /** The stream that stores a subject. */
  readonly findStream: (subject: string) => Effect.Effect<string, NatsRequestFailed>
  readonly addStream: (config: NewStream) => Effect.Effect<StreamInfo, NatsRequestFailed>
  readonly updateStream: (stream: string, config: Partial<StreamUpdateConfig>) => Effect.Effect<StreamInfo, NatsRequestFailed>
  readonly deleteStream: (stream: string) => Effect.Effect<void, NatsRequestFailed>
  /** The message, read from the stream leader; none when it is gone or never was. */
  readonly getMessage: (stream: string, at: MessageAt) => Effect.Effect<Option.Option<GotMessage>, NatsRequestFailed>
  readonly consumerInfo: (stream: string, consumer: string) => Effect.Effect<ConsumerInfo, NatsRequestFailed>
  readonly addConsumer: (stream: string, config: Partial<ConsumerConfig>) => Effect.Effect<ConsumerInfo, NatsRequestFailed>
  readonly listConsumers: (stream: string) => Effect.Effect<ReadonlyArray<ConsumerInfo>, NatsRequestFailed>
  /** Opens a KV bucket, creating it with `options` when it does not exist yet. */
  readonly kv: (bucket: string, options?: KvOptions) => Effect.Effect<KvBucket, NatsRequestFailed>
  /**
   * The nats.js client itself, for the rare need no operation here meets (a baseline benchmark of
   * the client alone, a fault test watching the cluster): `f`'s rejection becomes a {@link NatsRequestFailed}.
   */
  readonly use: <A>(f: (client: NatsClient) => Promise<A>) => Effect.Effect<A, NatsRequestFailed>
  /** The client, for the package's own modules (`clientOf`). */
  readonly [ClientKey]: NatsClient
}

const request = <A>(operation: string, f: () => Promise<A>) => Effect.tryPromise({ try: f, catch: requestFailed(operation) })

/** The typed operations over one connection's client; `onConnection` provides the connection they make up. */
export const makeOperations = (client: NatsClient, access: NatsAccess, onConnection: OnConnection): NatsOperations => {
  const { nc, jsm } = client
  return {
    access,
    server: Effect.sync(() => nc.getServer()),
    isClosed: Effect.sync(() => nc.isClosed()),
    flush: request("flush", () => nc.flush()),
    accountInfo: request("account info", () => jsm.getAccountInfo()),
    streamInfo: Effect.fn("Nats.streamInfo")((stream: string, options?: { readonly subjectsFilter?: string }) =>
      request(`stream info ${stream}`, () =>
        jsm.streams.info(stream, options?.subjectsFilter === undefined ? undefined : { subjects_filter: options.subjectsFilter }))
    ),
    findStream: Effect.fn("Nats.findStream")((subject: string) => request(`find stream of ${subject}`, () => jsm.streams.find(subject))),
    addStream: Effect.fn("Nats.addStream")((config: NewStream) => request(`add stream ${config.name}`, () => jsm.streams.add({ ...config }))),
    updateStream: Effect.fn("Nats.updateStream")((stream: string, config: Partial<StreamUpdateConfig>) =>
      request(`update stream ${stream}`, () => jsm.streams.update(stream, config))
    ),
    deleteStream: Effect.fn("Nats.deleteStream")((stream: string) => Effect.asVoid(request(`delete stream ${stream}`, () => jsm.streams.delete(stream)))),
    getMessage: Effect.fn("Nats.getMessage")((stream: string, at: MessageAt) =>
      "seq" in at
        ? Effect.map(getStored(jsm, stream, { seq: at.seq }, `get ${stream} #${at.seq}`), Option.fromNullishOr)
        : Effect.map(getStored(jsm, stream, { last_by_subj: at.lastBySubject }, `get last ${stream} ${at.lastBySubject}`), Option.fromNullishOr)
    ),
    consumerInfo: Effect.fn("Nats.consumerInfo")((stream: string, consumer: string) =>
      request(`consumer info ${stream}/${consumer}`, () => jsm.consumers.info(stream, consumer))
    ),
    addConsumer: Effect.fn("Nats.addConsumer")((stream: string, config: Partial<ConsumerConfig>) =>
      request(`add consumer on ${stream}`, () => jsm.consumers.add(stream, config))
    ),
    listConsumers: Effect.fn("Nats.listConsumers")((stream: string) =>
      request(`list consumers of ${stream}`, async () => {
        const all: Array<ConsumerInfo> = []
        for await (const info of jsm.consumers.list(stream)) all.push(info)
        return all as ReadonlyArray<ConsumerInfo>
      })
    ),
    kv: Effect.fn("Nats.kv")((bucket: string, options?: KvOptions) => openKv(client, onConnection, bucket, options)),
    use: <A>(f: (client: NatsClient) => Promise<A>) => request("use", () => f(client)),
    [ClientKey]: client
  }
}
