import { Config, Duration } from "effect"

/**
 * `WT_COOKIE_SECURE` (default true) marks the session cookie `Secure`, so a browser sends it
 * over https only. Only local development over plain http turns it off (`false`): browsers
 * other than Chromium and Firefox drop a Secure cookie set over http even on localhost.
 * `pnpm start` does that for a console on loopback, and says so.
 * `WT_SESSION_TTL` (default 13 hours: a 12-hour shift and the handovers at either end) is a
 * session's absolute lifetime, however busy; `WT_SESSION_IDLE` (default 60 minutes) ends one
 * that no request used for that long (an open live stream alone does not count: the web app
 * tells the server when its user is at the keyboard).
 * `WT_STREAM_HEARTBEAT` (default 15 s) spaces the event stream's keep-alive comments;
 * lower it behind a proxy that closes idle connections sooner.
 * `WT_STREAM_SESSION_CHECK` (default 2 s): how often an open event stream reads its session
 * again; a signed-out or expired session, or a changed role or tenant list, ends it.
 */
export const ConsoleConfig = Config.all({
  cookieSecure: Config.Boolean("WT_COOKIE_SECURE").pipe(Config.withDefault(true)),
  sessionTtl: Config.Duration("WT_SESSION_TTL").pipe(Config.withDefault(Duration.hours(13))),
  sessionIdle: Config.Duration("WT_SESSION_IDLE").pipe(Config.withDefault(Duration.minutes(60))),
  streamHeartbeat: Config.Duration("WT_STREAM_HEARTBEAT").pipe(Config.withDefault(Duration.seconds(15))),
  streamSessionCheck: Config.Duration("WT_STREAM_SESSION_CHECK").pipe(Config.withDefault(Duration.seconds(2)))
})
export type ConsoleConfig = Config.Success<typeof ConsoleConfig>
