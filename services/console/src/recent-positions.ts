import { Effect, Option, Schema } from "effect"
import { GpsEvent, Streams } from "@wt/contracts"
import { readSince } from "@wt/nats"

/** One reported position of a GPS tracker, as the map draws it. */
export interface TrackPoint {
  readonly at: string
  readonly lat: number
  readonly lon: number
  readonly accuracyM?: number
  readonly speedMps?: number
  readonly sos?: boolean
}

/** A tracker's recent positions, oldest first; `truncated` when more were reported than kept (the newest are kept). */
export interface RecentTrack {
  readonly deviceId: string
  readonly positions: ReadonlyArray<TrackPoint>
  readonly truncated: boolean
}

/**
 * A tracker's positions on WT_DEVICE, on either lane (telemetry, and alarm when SOS was pressed):
 * `wt.dev.<tenant>.*.gps.<deviceId>`. The console's NATS user may make consumers on WT_DEVICE
 * with such a filter only (packages/nats users.ts): it reads positions, never another event.
 */
export const gpsSubjectOf = (tenant: string, deviceId: string) => `wt.dev.${tenant}.*.gps.${deviceId}`

export interface TrackLimits {
  /** Positions answered per tracker: the newest are kept. */
  readonly keep: number
  /** Messages read at most per tracker (a runaway tracker cannot make a read unbounded). */
  readonly read: number
  readonly timeoutMs: number
}

export const DefaultTrackLimits: TrackLimits = { keep: 1000, read: 20_000, timeoutMs: 5000 }

const decodeGps = Schema.decodeUnknownOption(Schema.fromJsonString(GpsEvent))

/** The newest `keep` of what was read, oldest first by the time the tracker gave. */
export const keepNewest = (points: ReadonlyArray<TrackPoint>, keep: number): { readonly positions: Array<TrackPoint>; readonly truncated: boolean } => {
  const sorted = [...points].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
  return { positions: sorted.slice(Math.max(0, sorted.length - keep)), truncated: sorted.length > keep }
}

const pointOf = (data: Uint8Array): Option.Option<TrackPoint> =>
  Option.map(decodeGps(new TextDecoder().decode(data)), (e) => ({
    at: e.occurredAt,
    lat: e.payload.lat,
    lon: e.payload.lon,
    ...(e.payload.accuracyM !== undefined ? { accuracyM: e.payload.accuracyM } : {}),
    ...(e.payload.speedMps !== undefined ? { speedMps: e.payload.speedMps } : {}),
    ...(e.payload.sos !== undefined ? { sos: e.payload.sos } : {})
  }))

/**
 * A tracker's positions stored since `since`: a bounded read of WT_DEVICE (`readSince`) of one
 * tracker's subject, at most `limits.read` messages within `limits.timeoutMs`. Positions are
 * personal data: the caller checks who may read them and audits the read; nothing of them is logged here.
 */
export const recentTrack = Effect.fn("Console.recentTrack")(function*(tenant: string, deviceId: string, since: Date, limits: TrackLimits = DefaultTrackLimits) {
  const bodies = yield* readSince({
    stream: Streams.device,
    filterSubject: gpsSubjectOf(tenant, deviceId),
    since,
    max: limits.read,
    timeoutMs: limits.timeoutMs,
    operation: "read recent positions"
  })
  const points = bodies.flatMap((body) => Option.toArray(pointOf(body)))
  return { deviceId, ...keepNewest(points, limits.keep) } satisfies RecentTrack
})
