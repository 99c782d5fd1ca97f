import { Effect, Schema } from "effect"
import { Agency, ConfirmedAddress, Instant } from "@wt/contracts"
import { agencyStreamSpec, ensureStream, NatsConfig, publishEvent } from "@wt/nats"

/**
 * Outside agencies' channel, kept off the four contract streams: one JetStream stream,
 * `WT_AGENCY`, subject `wt.agency.<tenant>.<agency>`, which the agency's gateway
 * (CAD integration, SMS bridge …) consumes. Publishing is de-duplicated per incident and agency.
 */
export { AgencyStream, agencyStreamSpec } from "@wt/nats"
export const agencySubject = (tenant: string, agency: string) => `wt.agency.${tenant}.${agency}`

export const AgencyAlert = Schema.Struct({
  incidentId: Schema.String,
  tenant: Schema.String,
  agency: Agency,
  at: Instant,
  reason: Schema.String,
  address: Schema.optionalKey(ConfirmedAddress),
  mobility: Schema.String,
  alarmType: Schema.String
}).annotate({ identifier: "AgencyAlert" })
export type AgencyAlert = typeof AgencyAlert.Type

export const ensureAgencyStream = Effect.gen(function*() {
  yield* ensureStream(agencyStreamSpec(yield* NatsConfig))
})

export const sendAgencyAlert = (channel: string, alert: AgencyAlert) =>
  publishEvent(channel, AgencyAlert, alert, { msgId: `agency:${alert.incidentId}:${alert.agency}` })
