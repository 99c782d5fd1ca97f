import { Config, ConfigProvider, Effect, Result } from "effect"
import { type HttpServerResponse as Response, HttpEffect, HttpMiddleware, HttpServerRequest, HttpServerResponse } from "effect/http"
import { IpNetwork } from "effect/net"
import { toIncomingMessage } from "@effect/platform-node/NodeHttpServerRequest"
import type { TLSSocket } from "node:tls"

/**
 * What every service's answers say to browsers, whatever route (or error) produced them:
 * never sniff a type (`nosniff`), never send this URL on as a referrer, never be framed, load
 * nothing (a JSON answer needs no scripts, styles or frames), never be cached (answers carry
 * personal data). A route that sets one of these itself (the console's page and its assets:
 * their own CSP and caching) keeps its own. HSTS is sent when the request came over https.
 */
export const BaseSecurityHeaders: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "cross-origin-resource-policy": "same-origin",
  "cache-control": "no-store"
}

/** One year: long enough to matter, as RFC 6797 and browsers' preload lists expect. */
export const StrictTransportSecurity = "max-age=31536000"

/**
 * `WT_HSTS`: `auto` (default) sends `Strict-Transport-Security` on answers to requests that came
 * over https (a TLS socket, or `X-Forwarded-Proto: https` from a trusted proxy); `on` on every
 * answer (behind a TLS-terminating proxy that says nothing; browsers ignore it over http);
 * `off` never.
 * `WT_TRUSTED_PROXIES`: comma list of addresses or networks (`10.0.0.0/8`, `::1`) whose
 * `X-Forwarded-For` and `X-Forwarded-Proto` are believed; default none (the TCP peer is the client).
 */
export const SecurityHeadersConfig = Config.all({
  hsts: Config.Literals(["auto", "on", "off"], "WT_HSTS").pipe(Config.withDefault("auto" as const)),
  trustedProxies: Config.String("WT_TRUSTED_PROXIES").pipe(
    Config.withDefault(""),
    Config.flatMap((text) => {
      const networks: Array<IpNetwork.IpNetwork> = []
      for (const item of text.split(",").map((s) => s.trim()).filter((s) => s !== "")) {
        const network = IpNetwork.fromString(item.includes("/") ? item : `${item}/${item.includes(":") ? 128 : 32}`)
        if (Result.isFailure(network)) {
          return Config.fail(new ConfigProvider.SourceError({ message: `WT_TRUSTED_PROXIES: ${item} is not an address or network` }))
        }
        networks.push(network.success)
      }
      return Config.succeed(networks as ReadonlyArray<IpNetwork.IpNetwork>)
    })
  )
})
export type SecurityHeadersSettings = Config.Success<typeof SecurityHeadersConfig>

const cameOverTls = (request: HttpServerRequest.HttpServerRequest): boolean => {
  try {
    return (toIncomingMessage(request).socket as TLSSocket | undefined)?.encrypted === true
  } catch {
    // Not a Node request (a test's web request): no socket to ask.
    return false
  }
}

/** Whether a request reached this service over https, directly or (per `WT_TRUSTED_PROXIES`) through a proxy. */
export const isHttps = (request: HttpServerRequest.HttpServerRequest): boolean => request.protocol === "https" || cameOverTls(request)

/** The answer with every header of `headers` it does not set itself. */
export const withDefaultHeaders = (response: Response.HttpServerResponse, headers: Readonly<Record<string, string>>) => {
  const missing = Object.entries(headers).filter(([name]) => response.headers[name] === undefined)
  return missing.length === 0 ? response : HttpServerResponse.setHeaders(response, Object.fromEntries(missing))
}

/**
 * The middleware every service's routes run under (see `ServiceHttp`): client address and
 * protocol from trusted proxies only, then the headers above on every answer, errors included.
 */
export const securityHeaders = (settings: SecurityHeadersSettings) => {
  const fromProxies = settings.trustedProxies.length === 0
    ? <E, R>(app: Effect.Effect<Response.HttpServerResponse, E, R>) => app
    : HttpMiddleware.xForwardedHeaders({ trustedProxies: settings.trustedProxies })
  return <E, R>(app: Effect.Effect<Response.HttpServerResponse, E, R>) =>
    fromProxies(Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      const headers = settings.hsts === "on" || (settings.hsts === "auto" && isHttps(request))
        ? { ...BaseSecurityHeaders, "strict-transport-security": StrictTransportSecurity }
        : BaseSecurityHeaders
      // An answer that comes back through here (the body limit's 413) is completed here; one the
      // router makes of a failure (404, 500) by the pre-response handler, which sees those too.
      return Effect.andThen(
        HttpEffect.appendPreResponseHandler((_request, response) => Effect.succeed(withDefaultHeaders(response, headers))),
        Effect.map(app, (response) => withDefaultHeaders(response, headers))
      )
    }))
}
