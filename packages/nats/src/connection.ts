import { connect, type NatsConnection } from "@nats-io/transport-node"
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream"
import { Clock, Context, Effect, Layer, Schedule, type Scope } from "effect"
import type { NatsClient } from "./client.ts"
import { coalesceWrites } from "./client-fast-paths/write-coalescing.ts"
import { natsAccessFromEnv, NatsConfig } from "./config.ts"
import { authenticatorOf, type NatsAuth, type NatsTls } from "./credentials.ts"
import { errorMessage, NatsConnectFailed } from "./errors.ts"
import { makeOperations, type NatsOperations } from "./operations.ts"

export interface NatsConnectOptions {
  /** One or more server URLs, comma-separated. */
  readonly url: string
  /** Client name shown in the server's connection list. */
  readonly name?: string
  /** How long the first connection is retried; default 15 s. */
  readonly connectTimeoutMs?: number
  /** Who connects; unset, the credentials in the environment (`NATS_NKEY_FILE` …), if any. */
  readonly auth?: NatsAuth
  /** The CA to trust (and client certificate); unset, `NATS_CA` … from the environment, if set. */
  readonly tls?: NatsTls | undefined
  /** Prefix of reply inboxes; unset, `NATS_INBOX_PREFIX`, else the client's `_INBOX`. */
  readonly inboxPrefix?: string | undefined
  /** How often the client pings its server; default {@link PingIntervalMs}. */
  readonly pingIntervalMs?: number
}

/**
 * A server that stops answering but keeps its sockets open (frozen, swapped out, a half-dead
 * host) is noticed only by unanswered pings: the client's default of one every two minutes, two
 * outstanding, left a service tied to a frozen node for the whole freeze while the other nodes
 * had elected new leaders within seconds. Every 2 s with three outstanding, it moves to another
 * node after 6–8 s: about when the cluster has a new leader to write to.
 */
export const PingIntervalMs = 2_000
const MaxPingsOut = 3

/** What a connection was opened with, for code that speaks the protocol over a connection of its own (bulk reads). */
export interface NatsAccess {
  readonly auth: NatsAuth
  readonly tls: NatsTls | undefined
  readonly inboxPrefix: string | undefined
}

const serversOf = (url: string) =>
  url.split(",").map((s) => s.trim()).filter((s) => s.length > 0)

const open = Effect.fnUntraced(function*(options: NatsConnectOptions, access: NatsAccess) {
  const servers = serversOf(options.url)
  const authenticator = authenticatorOf(access.auth)
  const attempt = Effect.tryPromise({
    try: () =>
      connect({
        servers,
        name: options.name ?? "wt",
        ...(authenticator === undefined ? {} : { authenticator }),
        ...(access.tls === undefined ? {} : { tls: { caFile: access.tls.caFile, ...(access.tls.certFile === undefined ? {} : { certFile: access.tls.certFile, keyFile: access.tls.keyFile }) } }),
        ...(access.inboxPrefix === undefined ? {} : { inboxPrefix: access.inboxPrefix }),
        // After the first connection, a service never gives up on NATS: it
        // keeps reconnecting while the client buffers publishes.
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
        pingInterval: options.pingIntervalMs ?? PingIntervalMs,
        maxPingOut: MaxPingsOut,
        // Per server tried: a reconnect that tries a frozen node first gives up on it sooner.
        timeout: 3_000,
        // An Error (with its stack) per request, kept in case it times out, cost more CPU than
        // the publish itself at ingest rates; failures still say which request failed.
        noAsyncTraces: true
      }).then((nc) => {
        coalesceWrites(nc)
        return nc
      }),
    catch: (cause) => new NatsConnectFailed({ servers: servers.join(","), message: errorMessage(cause) })
  })
  // The first connection is retried for a while, so a service may start just before its NATS server.
  // The deadline counts from before the first attempt (the schedule's own elapsed time starts at its
  // first failure, which may be seconds later); past it, the last attempt's error is the answer.
  const deadline = (yield* Clock.currentTimeMillis) + (options.connectTimeoutMs ?? 15_000)
  return yield* attempt.pipe(
    Effect.retry(Schedule.spaced("250 millis").pipe(Schedule.while(({ now }) => now < deadline)))
  )
})

/** An open NATS connection, as typed operations ({@link NatsOperations}); its nats.js client stays inside this package. */
export class Nats extends Context.Service<Nats, NatsOperations>()("wt/Nats") {
  /** Connects with the settings of `NatsConfig`; the scope's end drains the connection. */
  static readonly layer = Layer.effect(
    Nats,
    Effect.gen(function*() {
      const config = yield* NatsConfig
      return yield* makeNats({
        url: config.url,
        name: config.name,
        connectTimeoutMs: config.connectTimeoutMs,
        auth: config.auth,
        tls: config.tls,
        inboxPrefix: config.inboxPrefix
      })
    })
  )

  /** Connects to an explicit URL, for tests, tools and embedded servers (credentials as given, else from the environment). */
  static readonly layerWith = (options: NatsConnectOptions) => Layer.effect(Nats, makeNats(options))
}


/** Opens a connection for the current scope; closing the scope drains it (in-flight acks and publishes finish). */
export const makeNats = Effect.fn("Nats.connect")(function*(options: NatsConnectOptions): Effect.fn.Return<Nats["Service"], NatsConnectFailed, Scope.Scope> {
  const access = yield* accessOf(options)
  const nc = yield* Effect.acquireRelease(open(options, access), (nc) =>
    nc.isClosed()
      ? Effect.void
      : Effect.tryPromise(() => nc.drain()).pipe(
        Effect.timeout("10 seconds"),
        Effect.catch(() => Effect.tryPromise(() => nc.close()).pipe(Effect.ignore))
      ))
  const jsm = yield* Effect.tryPromise({
    try: () => jetstreamManager(nc),
    catch: (cause) =>
      new NatsConnectFailed({ servers: options.url, message: `JetStream is not available: ${errorMessage(cause)}` })
  })
  yield* Effect.forkScoped(logConnectionChanges(nc))
  const client: NatsClient = { nc, js: jetstream(nc), jsm }
  const nats: Nats["Service"] = makeOperations(client, access, (effect) => Effect.provideService(effect, Nats, nats))
  return nats
})

// What the options leave unset comes from the environment, so a tool started with a service's
// NATS_* variables connects as that service.
const accessOf = Effect.fn("Nats.accessOf")(function*(options: NatsConnectOptions) {
  const env = options.auth !== undefined && "tls" in options && "inboxPrefix" in options
    ? undefined
    : yield* natsAccessFromEnv.pipe(Effect.mapError((error) => new NatsConnectFailed({ servers: options.url, message: `NATS credentials: ${errorMessage(error)}` })))
  return {
    auth: options.auth ?? env!.auth,
    tls: "tls" in options ? options.tls : env!.tls,
    inboxPrefix: "inboxPrefix" in options ? options.inboxPrefix : env!.inboxPrefix
  } satisfies NatsAccess
})

// Operators need to see a lost or regained NATS connection; pings and cluster updates are noise.
// Untraced: it runs for the life of the connection, and a span would hold every log line under it.
const logConnectionChanges = Effect.fnUntraced(function*(nc: NatsConnection) {
  const statuses = nc.status()[Symbol.asyncIterator]()
  while (true) {
    const next = yield* Effect.promise(() => statuses.next())
    if (next.done === true) return
    const status = next.value
    if (status.type === "disconnect") yield* Effect.logWarning(`NATS disconnected from ${status.server}`)
    else if (status.type === "reconnect") yield* Effect.logInfo(`NATS reconnected to ${status.server}`)
    else if (status.type === "error" || status.type === "slowConsumer") {
      yield* Effect.logWarning(`NATS ${status.type}: ${"error" in status ? errorMessage(status.error) : ""}`)
    }
  }
})
