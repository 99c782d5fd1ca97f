// How `pnpm start` serves HTTP: where the services listen, whether the session cookie is
// Secure, who reads /metrics. Said in the start banner, so nobody has to guess.
import { Config, Effect, Option } from "effect"
import { bindHostConfig, isLoopbackHost, MetricsAccessConfig } from "@wt/service-runtime"

export const localHttpSettings = Effect.gen(function*() {
  const bindHost = yield* bindHostConfig
  const cookieSecure = yield* Config.option(Config.Boolean("WT_COOKIE_SECURE"))
  const metrics = yield* MetricsAccessConfig
  const loopback = isLoopbackHost(bindHost)
  // A browser may drop a Secure cookie that plain http sets (Safari does even on localhost), so
  // a console on this machine alone, over http, is local development: its cookie goes without
  // Secure, unless WT_COOKIE_SECURE says otherwise. Served to others, the console's default
  // (Secure) holds, and it belongs behind https.
  const localCookies = loopback && Option.isNone(cookieSecure)
  const secure = Option.getOrElse(cookieSecure, () => !localCookies)
  const env: Record<string, string> = localCookies ? { WT_COOKIE_SECURE: "false" } : {}
  const lines = [
    ` Listening on    ${bindHost}${loopback ? " (this machine only; WT_BIND_HOST=0.0.0.0 serves others)" : " (WT_BIND_HOST)"}`,
    ` Session cookie  ${
      localCookies
        ? "not Secure: local development over http on loopback (WT_COOKIE_SECURE=false, set by pnpm start)"
        : secure
        ? "Secure: browsers keep it over https only (serve the console behind https, or WT_COOKIE_SECURE=false for a trial)"
        : "not Secure (WT_COOKIE_SECURE=false)"
    }`,
    ` Metrics         ${
      metrics.exposure === "off"
        ? "off (WT_METRICS=off)"
        : metrics.exposure === "open"
        ? "/metrics open to anyone who reaches a service (WT_METRICS=open)"
        : `/metrics on each service's port, to this machine only${Option.isSome(metrics.token) ? " or with the bearer WT_METRICS_TOKEN" : ""}`
    }`
  ]
  return { env, lines }
})
