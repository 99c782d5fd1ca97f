import { Context, Effect } from "effect"
import { HttpMiddleware, HttpServerRequest, type HttpServerResponse } from "effect/http"

/**
 * Set by `quietPolls` for each request; `polledRoute` marks it. Unset outside a request (a
 * handler run in a test without the server), where marking does nothing.
 */
const PolledRequest = Context.Reference<{ polled: boolean } | undefined>("wt/service-runtime/PolledRequest", {
  defaultValue: () => undefined
})

/**
 * Marks a route that clients poll (a responder's phone asking for offers, a supervisor's
 * overview every few seconds): its answers are logged at debug, not info. At info, the demo's
 * responders alone wrote ten lines a second, and what an operator of the platform acts on was
 * lost among them. A refusal or a failure on such a route is still logged at info.
 */
export const polledRoute = <A, E, R>(handler: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  PolledRequest.use((request) => {
    if (request !== undefined) request.polled = true
    return handler
  })

/**
 * The server's side of `polledRoute`: a polled route's answer below 400 goes to the access log
 * at debug, in place of the info line every other request gets. Untraced: it runs for every
 * request, around the app (its one Effect, made once by the server's middleware, is run anew each time).
 */
export const quietPolls = Effect.fnUntraced(function*<E, R>(
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
): Effect.fn.Return<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest> {
  const state = { polled: false }
  const exit = yield* Effect.exit(Effect.provideService(app, PolledRequest, state))
  if (state.polled && exit._tag === "Success" && exit.value.status < 400) {
    const request = yield* HttpServerRequest.HttpServerRequest
    yield* HttpMiddleware.withLoggerDisabled(
      Effect.logDebug("Sent HTTP response").pipe(Effect.annotateLogs({
        "http.method": request.method,
        "http.url": request.url.replace(/[?#].*$/su, ""),
        "http.status": exit.value.status
      }))
    )
  }
  return yield* exit
})
