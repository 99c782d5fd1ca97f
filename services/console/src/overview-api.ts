import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { Authentication } from "./api-middleware.ts"
import { Forbidden } from "./api-errors.ts"

export const TenantOverview = Schema.Struct({
  tenant: Schema.String,
  /** Unclaimed incidents per priority. */
  waiting: Schema.Struct({ P1: Schema.Int, P2: Schema.Int, P3: Schema.Int, P4: Schema.Int }),
  /** Active incidents someone holds. */
  inHand: Schema.Int,
  oldestUnclaimed: Schema.optionalKey(Schema.Struct({ incidentId: Schema.String, priority: Schema.String, openedAt: Schema.String })),
  /** Operators with a live session for this tenant. */
  operatorsSignedIn: Schema.Array(Schema.Struct({ id: Schema.String, displayName: Schema.String })),
  /** ISA-18.2: a flood starts above 10 alarms per 10 minutes per operator on duty and ends below 5. */
  flood: Schema.Struct({
    active: Schema.Boolean,
    alarmsLast10Min: Schema.Int,
    operatorsOnDuty: Schema.Int,
    rate: Schema.Finite,
    startsAbove: Schema.Finite,
    endsBelow: Schema.Finite
  })
}).annotate({ identifier: "TenantOverview" })

export const Overview = Schema.Struct({
  at: Schema.String,
  tenants: Schema.Array(TenantOverview)
}).annotate({ identifier: "Overview" })

export class OverviewApi extends HttpApiGroup.make("overview")
  .add(
    HttpApiEndpoint.get("get", "/overview", { success: Overview, error: Forbidden }).annotate(
      OpenApi.Description,
      "Supervisors and administrators: per tenant they supervise, the queue by priority, the oldest unclaimed incident, operators signed in and the alarm-flood state."
    )
  )
  .middleware(Authentication)
  .prefix("/api")
{}
