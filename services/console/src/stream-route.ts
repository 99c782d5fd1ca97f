import { Effect, Metric, Option, Stream } from "effect"
import { Sse } from "effect/encoding"
import { HttpRouter, type HttpServerRequest, HttpServerResponse } from "effect/http"
import { signedInFromRequest } from "./authentication.ts"
import { ConsoleConfig } from "./config.ts"
import { IncidentFeed } from "./incident-feed.ts"
import { Sessions } from "./sessions.ts"

export const streamClients = Metric.gauge("wt_console_stream_clients", {
  description: "Clients connected to the live incident stream"
})

/** Why an open stream ended on the server's side, sent as its last event. */
type SessionEnd = "signed_out" | "changed"

const sameTenants = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) =>
  a.length === b.length && new Set([...a, ...b]).size === new Set(a).size

/**
 * `GET /api/stream`: the live queue as server-sent events. Each incident record stored
 * for one of the user's tenants becomes `event: incident` with `{event, state}` as data.
 * A comment every 15 s (`WT_STREAM_HEARTBEAT`) keeps proxies from closing an idle
 * connection. Every 2 s (`WT_STREAM_SESSION_CHECK`) the session is read again: once it is
 * signed out or expired, or its user's role or tenants changed, the stream sends
 * `event: session` with `{ended: "signed_out" | "changed"}` and ends, so nothing of a tenant
 * the user no longer has reaches them; a client that reconnects gets its new scope.
 */
export const StreamRoute = HttpRouter.use((router) =>
  Effect.gen(function*() {
    const feed = yield* IncidentFeed
    const sessions = yield* Sessions
    const { streamHeartbeat, streamSessionCheck } = yield* ConsoleConfig

    const handler = Effect.fn("Console.stream")(function*(request: HttpServerRequest.HttpServerRequest) {
      const signedIn = yield* signedInFromRequest(request).pipe(Effect.provideService(Sessions, sessions), Effect.orDie)
      if (Option.isNone(signedIn)) {
        return HttpServerResponse.jsonUnsafe({ _tag: "Unauthorized", message: "sign in first (POST /api/session)" }, { status: 401 })
      }
      const { tokenHash, user } = signedIn.value
      const tenants = new Set(user.tenants)

      // The first line is written only once subscribed, and the client sees the response
      // headers only with it: whatever is stored after the client is connected reaches it.
      const news = Stream.unwrap(Effect.gen(function*() {
        const subscription = yield* feed.subscribe
        // Released with the stream, also when the client goes away.
        yield* Effect.acquireRelease(Metric.modify(streamClients, 1), () => Metric.modify(streamClients, -1))
        return Stream.concat(
          Stream.make(": connected\n\n"),
          Stream.fromSubscription(subscription).pipe(
            Stream.filter((record) => tenants.has(record.state.tenant)),
            Stream.map((record) => Sse.encoder.write({ _tag: "Event", event: "incident", id: undefined, data: JSON.stringify(record) }))
          )
        )
      }))

      const sessionEnd = sessions.current(tokenHash).pipe(
        Effect.map(Option.match({
          onNone: (): SessionEnd | undefined => "signed_out",
          onSome: (now) => now.user.role === user.role && sameTenants(now.user.tenants, user.tenants) ? undefined : "changed"
        })),
        // A database hiccup should not cut every operator's live queue; the next check decides.
        Effect.catch(() => Effect.succeed(undefined))
      )
      const sessionWatch = Stream.tick(streamSessionCheck).pipe(
        Stream.drop(1),
        Stream.mapEffect(() => sessionEnd),
        Stream.filter((end) => end !== undefined),
        Stream.take(1),
        Stream.tap((end) => Effect.logInfo("live stream ended by its session").pipe(Effect.annotateLogs({ userId: user.id, reason: end }))),
        Stream.map((end) => Sse.encoder.write({ _tag: "Event", event: "session", id: undefined, data: JSON.stringify({ ended: end }) }))
      )
      const heartbeats = Stream.tick(streamHeartbeat).pipe(
        Stream.drop(1),
        Stream.map(() => ": heartbeat\n\n")
      )

      return HttpServerResponse.stream(
        // Whichever ends first ends the stream: the feed (shutdown) or the session watch.
        Stream.merge(news, Stream.merge(sessionWatch, heartbeats, { haltStrategy: "left" }), { haltStrategy: "either" }).pipe(Stream.encodeText),
        {
          contentType: "text/event-stream",
          // no-transform and X-Accel-Buffering: proxies must pass each event on at once.
          // Connection: close, because a stream ends only on sign-out or shutdown, and a kept-alive
          // connection would then hold up the server's close until the client's idle timeout.
          headers: { "cache-control": "no-cache, no-transform", "x-accel-buffering": "no", connection: "close" }
        }
      )
    })

    yield* router.add("GET", "/api/stream", handler)
  })
)
