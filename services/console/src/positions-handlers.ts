import { Clock, Effect, Option } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { ConsoleApi, CurrentSession } from "./api.ts"
import { ConsoleConfig } from "./config.ts"
import { recentTrack } from "./recent-positions.ts"
import { ResidentAccess } from "./resident-access.ts"

export const DefaultPositionMinutes = 60

/**
 * `GET /api/residents/{id}/positions`: the recent track of each GPS tracker of a resident the
 * caller may read now (the card's rules, resident-access.ts), read from WT_DEVICE and audited
 * like a view of the record. Trackers that belong to the resident in the registry only: never a
 * subject built from anything the caller sent.
 */
export const PositionsHandlers = HttpApiBuilder.group(
  ConsoleApi,
  "positions",
  Effect.fn(function*(handlers) {
    const access = yield* ResidentAccess
    const config = yield* ConsoleConfig

    return handlers.handle("recent", ({ params, query }) =>
      Effect.gen(function*() {
        const { user } = yield* CurrentSession
        const record = yield* access.readable(user, params.id, query.incident)
        const minutes = query.minutes ?? DefaultPositionMinutes
        const now = yield* Clock.currentTimeMillis
        const since = new Date(now - minutes * 60_000)
        const trackers = record.devices.filter((d) => d.type === "gps")
        const tracks = yield* Effect.forEach(trackers, (d) => recentTrack(record.tenant, d.id, since), { concurrency: 4 }).pipe(Effect.orDie)
        const count = tracks.reduce((n, t) => n + t.positions.length, 0)
        yield* access.audit(user, record, query.incident, {
          summary: query.incident !== undefined
            ? `resident positions (last ${minutes} min) viewed for incident ${query.incident}`
            : `resident positions (last ${minutes} min) viewed without an incident`,
          data: { view: "positions", minutes, trackers: tracks.length, positions: count }
        })
        const tiles = Option.getOrUndefined(config.mapTiles)
        return {
          residentId: record.id,
          since: since.toISOString(),
          until: new Date(now).toISOString(),
          minutes,
          tracks,
          ...(tiles === undefined ? {} : { tiles })
        }
      }))
  })
)
