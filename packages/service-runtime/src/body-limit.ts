import { Readable } from "node:stream"
import { ByteSize, Effect } from "effect"
import { HttpIncomingMessage, HttpServerError, HttpServerRequest, HttpServerResponse } from "effect/http"

/** What a request body may hold when its route asks for nothing else: far more than any JSON command. */
export const DefaultBodyLimitBytes = 64 * 1024

/** A route whose bodies may be larger (or must be smaller) than the default. */
export interface RouteBodyLimit {
  readonly method: string
  /** The exact path, or a prefix ending in `/*` (`/v1/webhooks/*`). */
  readonly path: string
  readonly maxBytes: number
  /**
   * The route reads its body itself under `MaxBodySize` (provided here as `maxBytes`) and
   * answers an oversized one its own way: the gateway keeps even a refused batch's reason in
   * `WT_DLQ`. Nothing is read or refused for it here.
   */
  readonly readByRoute?: boolean | undefined
}

export interface BodyLimits {
  /** Default: `DefaultBodyLimitBytes`. */
  readonly defaultBytes?: number | undefined
  readonly routes?: ReadonlyArray<RouteBodyLimit> | undefined
}

const pathOf = (url: string) => {
  const end = url.search(/[?#]/u)
  return end < 0 ? url : url.slice(0, end)
}

const matches = (route: RouteBodyLimit, method: string, path: string) =>
  route.method.toUpperCase() === method &&
  (route.path.endsWith("/*") ? path.startsWith(route.path.slice(0, -1)) : route.path === path)

/** The limit a request falls under: its route's, else the default. */
export const bodyLimitOf = (limits: BodyLimits, method: string, url: string): RouteBodyLimit => {
  const path = pathOf(url)
  return limits.routes?.find((route) => matches(route, method, path)) ??
    { method, path, maxBytes: limits.defaultBytes ?? DefaultBodyLimitBytes }
}

const kib = (bytes: number) => (bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`)

/**
 * 413 with the reason as JSON. `Connection: close` makes the platform close the connection
 * once the answer is out instead of draining whatever the client still sends.
 */
const tooLarge = (limit: RouteBodyLimit, method: string, url: string, declared?: number) =>
  HttpServerResponse.jsonUnsafe({
    error: `request body ${declared === undefined ? "is" : `of ${declared} bytes is`} over the ${kib(limit.maxBytes)} limit of ${method} ${pathOf(url)}`,
    limitBytes: limit.maxBytes
  }, { status: 413, headers: { connection: "close" } })

/**
 * On an overflow the Node platform goes on draining the body (to keep the connection usable),
 * at full speed until the connection is closed: half a second after the answer, hundreds of
 * megabytes on a fast link. The answer closes the connection anyway, so the reading stops here.
 */
const stopReading = (request: HttpServerRequest.HttpServerRequest) => {
  if (request.source instanceof Readable) request.source.pause()
}

const isBodyTooLarge = (error: unknown) =>
  HttpServerError.isHttpServerError(error) && error.reason._tag === "RequestParseError" && error.reason.reason === "BodyTooLarge"

/**
 * Bounds every request body before anything holds it whole. A declared `Content-Length`
 * over the limit is answered 413 at once, before a byte of the body is read. Any other
 * body (chunked, or declared within the limit) is read here, under the limit: one that
 * passes it is cut off there and answered 413. A body read in time is kept by the request
 * (`arrayBuffer`, `text` and `json` are cached), so the route reads it again for free; the
 * HttpApi routes, which would otherwise turn an overflow into a 500, never see one.
 */
export const bodyLimit = (limits: BodyLimits) =>
<E, R>(app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const limit = bodyLimitOf(limits, request.method, request.url)
    const bounded = Effect.provideService(app, HttpIncomingMessage.MaxBodySize, ByteSize.bytes(limit.maxBytes))
    if (limit.readByRoute === true) return bounded
    const declaredHeader = request.headers["content-length"]
    const declared = declaredHeader === undefined ? undefined : Number(declaredHeader)
    if (declared !== undefined && declared > limit.maxBytes) {
      return Effect.succeed(tooLarge(limit, request.method, request.url, declared))
    }
    const carriesBody = request.headers["transfer-encoding"] !== undefined || (declared !== undefined && declared > 0)
    if (!carriesBody) return bounded
    return request.arrayBuffer.pipe(
      Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(limit.maxBytes)),
      Effect.matchEffect({
        onSuccess: () => bounded,
        onFailure: (error) =>
          Effect.sync(() => {
            stopReading(request)
            return isBodyTooLarge(error)
              ? tooLarge(limit, request.method, request.url)
              // The client stopped sending halfway; it will rarely read this.
              : HttpServerResponse.jsonUnsafe({ error: "the request body could not be read" }, { status: 400, headers: { connection: "close" } })
          })
      })
    )
  })
