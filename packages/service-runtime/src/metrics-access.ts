import { createHash, timingSafeEqual } from "node:crypto"
import { Config, Option, Redacted } from "effect"
import type { HttpServerRequest } from "effect/http"

/**
 * Who may read `GET /metrics` (`WT_METRICS`): `loopback` (default) answers only a client on
 * this machine that came straight to the service, `open` anyone who reaches the port, `off`
 * nobody. `WT_METRICS_TOKEN`, when set, also lets a scraper elsewhere in with
 * `Authorization: Bearer <token>` (not when `off`).
 */
export const MetricsAccessConfig = Config.all({
  exposure: Config.Literals(["loopback", "open", "off"], "WT_METRICS").pipe(Config.withDefault("loopback" as const)),
  token: Config.option(Config.Redacted("WT_METRICS_TOKEN"))
})
export type MetricsAccess = Config.Success<typeof MetricsAccessConfig>

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 addresses (a dual-stack listener reports those). */
export const isLoopbackAddress = (address: string): boolean => {
  const v4 = address.toLowerCase().startsWith("::ffff:") ? address.slice(7) : address
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/u.test(v4) || address === "::1"
}

// A reverse proxy on this machine connects from loopback for clients anywhere: what it
// forwards is not a local scrape.
const forwardingHeaders = ["forwarded", "x-forwarded-for", "x-real-ip"]

const digest = (text: string) => createHash("sha256").update(text).digest()

const bearerOf = (authorization: string | undefined) => authorization?.match(/^bearer +(\S+)\s*$/iu)?.[1]

export type MetricsVerdict = "answer" | "forbidden" | "off"

/** Whether this request may read the metrics. */
export const metricsVerdict = (access: MetricsAccess, request: HttpServerRequest.HttpServerRequest): MetricsVerdict => {
  if (access.exposure === "off") return "off"
  if (access.exposure === "open") return "answer"
  if (Option.isSome(access.token)) {
    const presented = bearerOf(request.headers.authorization)
    // Compared as digests, in constant time, so the answer's timing tells nothing of the token.
    if (presented !== undefined && timingSafeEqual(digest(presented), digest(Redacted.value(access.token.value)))) return "answer"
  }
  const direct = forwardingHeaders.every((name) => request.headers[name] === undefined)
  const local = Option.match(request.peerAddress, { onNone: () => false, onSome: isLoopbackAddress })
  return direct && local ? "answer" : "forbidden"
}
