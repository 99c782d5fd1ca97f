import { STATUS_CODES, type Server } from "node:http"
import type { Duplex } from "node:stream"
import { Effect } from "effect"
import { HttpRouter, HttpServerError, HttpServerRequest, HttpServerResponse } from "effect/http"

/**
 * The longest path parameter a route is matched with. The router's default (100) left ids the
 * contracts allow (an incident id has up to 128 characters) unroutable; longer ones still are.
 */
export const MaxPathParameterLength = 256

/**
 * A request no route takes is answered 404 with a JSON body saying so (the router's own answer
 * is a 404 with an empty body), also when a path parameter is longer than `MaxPathParameterLength`.
 */
const routeNotFoundAsJson = <E, R>(app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
  Effect.catchIf(
    app,
    (error): error is E & HttpServerError.HttpServerError => HttpServerError.isHttpServerError(error) && error.reason._tag === "RouteNotFound",
    () =>
      Effect.map(HttpServerRequest.HttpServerRequest, (request) => {
        const path = request.url.replace(/[?#].*$/su, "")
        const tooLong = path.split("/").some((segment) => segment.length > MaxPathParameterLength)
        return HttpServerResponse.jsonUnsafe({
          error: tooLong
            ? `no route for ${request.method} with a path segment over ${MaxPathParameterLength} characters`
            : `no route for ${request.method} ${path.slice(0, 200)}`
        }, { status: 404 })
      })
  )

/**
 * `routeNotFoundAsJson` on the router itself: the server's own middleware only sees an answer
 * already written, so the router's "not found" must be caught where the router fails with it.
 */
export const RouteNotFoundAsJson = HttpRouter.use((router) => router.addGlobalMiddleware((effect) => routeNotFoundAsJson(effect)))

/**
 * A request Node's HTTP parser refuses before any route sees it (headers over its limit, a
 * malformed request line or header) is answered with a JSON body too, instead of Node's bare
 * status line; then the connection is closed, as Node would.
 */
export const answerClientErrorsAsJson = (server: Server): Server =>
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === "ECONNRESET" || !socket.writable) {
      socket.destroy()
      return
    }
    const status = error.code === "HPE_HEADER_OVERFLOW" ? 431 : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400
    const body = JSON.stringify({ error: status === 431 ? "request headers too large" : status === 408 ? "request timed out" : "malformed HTTP request" })
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
    )
  })
