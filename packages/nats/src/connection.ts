import { connect, type NatsConnection } from "@nats-io/transport-node"
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream"
import { Context, Effect, Layer, Result } from "effect"
import { NatsConfig } from "./config.ts"
import { errorMessage, NatsConnectFailed } from "./errors.ts"
import { coalesceWrites } from "./write-coalescing.ts"

export interface NatsConnectOptions {
  /** One or more server URLs, comma-separated. */
  readonly url: string
  /** Client name shown in the server's connection list. */
  readonly name?: string
  /** How long the first connection is retried; default 15 s. */
  readonly connectTimeoutMs?: number
}

const serversOf = (url: string) =>
  url.split(",").map((s) => s.trim()).filter((s) => s.length > 0)

const open = Effect.fnUntraced(function*(options: NatsConnectOptions) {
  const servers = serversOf(options.url)
  const attempt = Effect.tryPromise({
    try: () =>
      connect({
        servers,
        name: options.name ?? "wt",
        // After the first connection, a service never gives up on NATS: it
        // keeps reconnecting while the client buffers publishes.
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
        timeout: 5_000,
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
  const deadline = Date.now() + (options.connectTimeoutMs ?? 15_000)
  while (true) {
    const result = yield* Effect.result(attempt)
    if (Result.isSuccess(result)) return result.success
    if (Date.now() >= deadline) return yield* result.failure
    yield* Effect.sleep("250 millis")
  }
})

/** An open NATS connection with its JetStream client and manager. */
export class Nats extends Context.Service<Nats, {
  readonly nc: NatsConnection
  readonly js: JetStreamClient
  readonly jsm: JetStreamManager
}>()("wt/Nats") {
  /** Connects with the settings of `NatsConfig`; the scope's end drains the connection. */
  static readonly layer = Layer.effect(
    Nats,
    Effect.gen(function*() {
      const config = yield* NatsConfig
      return yield* makeNats({ url: config.url, name: config.name, connectTimeoutMs: config.connectTimeoutMs })
    })
  )

  /** Connects to an explicit URL, for tests, tools and embedded servers. */
  static readonly layerWith = (options: NatsConnectOptions) => Layer.effect(Nats, makeNats(options))
}

/** Opens a connection for the current scope; closing the scope drains it (in-flight acks and publishes finish). */
export const makeNats = Effect.fn("Nats.connect")(function*(options: NatsConnectOptions) {
  const nc = yield* Effect.acquireRelease(open(options), (nc) =>
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
  return Nats.of({ nc, js: jetstream(nc), jsm })
})

// Operators need to see a lost or regained NATS connection; pings and cluster updates are noise.
const logConnectionChanges = (nc: NatsConnection) =>
  Effect.gen(function*() {
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
