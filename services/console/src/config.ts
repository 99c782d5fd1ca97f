import { Config, Duration, Schema } from "effect"

/**
 * A map tile server's URL template, `{z}/{x}/{y}` in it (e.g. an OpenStreetMap tile server
 * of the municipality's own): http(s) only, no quote, space or semicolon (it goes into the CSP).
 */
export const MapTilesTemplate = Schema.String.check(Schema.isPattern(
  /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/[^\s'";,]*\{z\}[^\s'";,]*\{x\}[^\s'";,]*\{y\}[^\s'";,]*$/u,
  { message: "must be an http(s) URL template with {z}, {x} and {y}, e.g. https://tiles.example.no/{z}/{x}/{y}.png" }
))

/** The origin the page may load map tiles from (its CSP's img-src). */
export const tilesOrigin = (template: string) => new URL(template.replace(/\{[xyz]\}/gu, "0")).origin

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
  streamSessionCheck: Config.Duration("WT_STREAM_SESSION_CHECK").pipe(Config.withDefault(Duration.seconds(2))),
  mapTiles: Config.schema(MapTilesTemplate, "WT_MAP_TILES_URL").pipe(Config.option)
})
export type ConsoleConfig = Config.Success<typeof ConsoleConfig>
