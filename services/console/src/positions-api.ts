import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { IncidentId } from "@wt/contracts"
import { IncidentNotFound } from "@wt/incident"
import { Authentication } from "./api-middleware.ts"
import { Forbidden, ResidentNotFound } from "./api-errors.ts"

export const TrackPoint = Schema.Struct({
  /** When the tracker took it (its own time). */
  at: Schema.String,
  lat: Schema.Finite,
  lon: Schema.Finite,
  accuracyM: Schema.optionalKey(Schema.Finite),
  speedMps: Schema.optionalKey(Schema.Finite),
  sos: Schema.optionalKey(Schema.Boolean)
}).annotate({ identifier: "TrackPoint" })

export const DeviceTrack = Schema.Struct({
  deviceId: Schema.String,
  /** Oldest first. */
  positions: Schema.Array(TrackPoint),
  /** More were reported in the period than are answered: the newest are answered. */
  truncated: Schema.Boolean
}).annotate({ identifier: "DeviceTrack" })

export const ResidentPositions = Schema.Struct({
  residentId: Schema.String,
  since: Schema.String,
  until: Schema.String,
  minutes: Schema.Int,
  /** One per GPS tracker of the resident (active or not: a tracker switched off today still tells where the person was). */
  tracks: Schema.Array(DeviceTrack),
  /**
   * The installation's tile server (`WT_MAP_TILES_URL`, a `{z}/{x}/{y}` template) when one is set;
   * without it the map is drawn from the data alone (geofence, home, track) and needs no internet.
   */
  tiles: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "ResidentPositions" })

export const PositionMinutes = Schema.NumberFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 240 }))

/** A resident's recent positions, for the map on a GPS incident and on the resident card. */
export class PositionsApi extends HttpApiGroup.make("positions")
  .add(
    HttpApiEndpoint.get("recent", "/residents/:id/positions", {
      params: { id: Schema.String.check(Schema.isMaxLength(64)) },
      query: { incident: Schema.optional(IncidentId), minutes: Schema.optional(PositionMinutes) },
      success: ResidentPositions,
      error: [ResidentNotFound, IncidentNotFound, Forbidden]
    }).annotate(
      OpenApi.Description,
      "The positions the resident's GPS trackers reported in the last `minutes` (default 60, at most 240), oldest first, at most 1,000 per tracker (the newest). Positions are personal data: who may read them is who may read the resident's card now (an operator for an active incident of this resident, named by `incident`; supervisors and admins also without), and every read is audited as a `record_view` (`data.view: \"positions\"`) before the answer leaves."
    )
  )
  .middleware(Authentication)
  .prefix("/api")
{}
