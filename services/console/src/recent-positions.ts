import { randomUUID } from "node:crypto"
import { AckPolicy, DeliverPolicy } from "@nats-io/jetstream"
import { Effect, Option, Schema } from "effect"
import { GpsEvent, Streams } from "@wt/contracts"
import { Nats, NatsRequestFailed } from "@wt/nats"

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
 * A tracker's positions stored since `since`: a bounded read of WT_DEVICE with a short-lived push
 * consumer (in memory, one replica, no acks) that delivers one tracker's subject, from `since`,
 * into this connection's own inbox. It is read until it has handed over what it held when made
 * (at most `limits.read` messages, within `limits.timeoutMs`); the server drops the consumer a few
 * seconds after the inbox is closed. Positions are personal data: the caller checks who may read
 * them and audits the read; nothing of them is logged here.
 */
export const recentTrack = Effect.fn("Console.recentTrack")(function*(tenant: string, deviceId: string, since: Date, limits: TrackLimits = DefaultTrackLimits) {
  const { nc, jsm, access } = yield* Nats
  const failed = (cause: unknown) => new NatsRequestFailed({ operation: "read recent positions", message: cause instanceof Error ? cause.message : String(cause) })
  const name = `pos_${randomUUID().replaceAll("-", "")}`
  const inbox = `${access.inboxPrefix ?? "_INBOX"}.${name}`
  const points = yield* Effect.acquireUseRelease(
    Effect.sync(() => nc.subscribe(inbox)),
    (subscription) =>
      Effect.tryPromise({
        try: async () => {
          const info = await jsm.consumers.add(Streams.device, {
            name,
            deliver_subject: inbox,
            // One subject filter, so the client names it in the request's subject, which is what the permission checks.
            filter_subject: gpsSubjectOf(tenant, deviceId),
            deliver_policy: DeliverPolicy.StartTime,
            opt_start_time: since.toISOString(),
            ack_policy: AckPolicy.None,
            mem_storage: true,
            num_replicas: 1,
            // Gone this long after the inbox is closed: nothing to delete afterwards.
            inactive_threshold: 5_000_000_000
          })
          const expected = Math.min(info.num_pending, limits.read)
          const read: Array<TrackPoint> = []
          if (expected === 0) return read
          let received = 0
          for await (const message of subscription) {
            // Only stored messages (their reply is the ack subject); nothing else comes to this inbox.
            if (message.reply?.startsWith("$JS.ACK.") !== true) continue
            received++
            const point = pointOf(message.data)
            if (Option.isSome(point)) read.push(point.value)
            if (received >= expected) break
          }
          return read
        },
        catch: failed
      }),
    (subscription) => Effect.sync(() => subscription.unsubscribe())
  ).pipe(
    Effect.timeoutOrElse({ duration: limits.timeoutMs, orElse: () => Effect.fail(failed(new Error("timed out"))) })
  )
  return { deviceId, ...keepNewest(points, limits.keep) } satisfies RecentTrack
})
