import { Config, Duration } from "effect"

/**
 * `WT_COOKIE_SECURE=true` marks the session cookie `Secure`; set it when the console is
 * served over https (behind a proxy). Off by default, because browsers drop a Secure
 * cookie set over plain http, which would break the localhost demo.
 * `WT_SESSION_TTL` (e.g. "12 hours", one shift plus handover) bounds a session's life.
 * `WT_STREAM_HEARTBEAT` (default 15 s) spaces the event stream's keep-alive comments;
 * lower it behind a proxy that closes idle connections sooner.
 */
export const ConsoleConfig = Config.all({
  cookieSecure: Config.Boolean("WT_COOKIE_SECURE").pipe(Config.withDefault(false)),
  sessionTtl: Config.Duration("WT_SESSION_TTL").pipe(Config.withDefault(Duration.hours(12))),
  streamHeartbeat: Config.Duration("WT_STREAM_HEARTBEAT").pipe(Config.withDefault(Duration.seconds(15)))
})
export type ConsoleConfig = Config.Success<typeof ConsoleConfig>
