import { DiscardPolicy, RetentionPolicy, StorageType } from "@nats-io/jetstream"
import { nanos } from "@nats-io/transport-node"
import { Effect, Schema } from "effect"
import { Agency, ConfirmedAddress, Instant } from "@wt/contracts"
import { ensureStream, NatsConfig, type NatsSettings, publishEvent, type StreamSpec } from "@wt/nats"

/**
 * Outside agencies' channel, kept off the four contract streams: one JetStream stream,
 * `WT_AGENCY`, subject `wt.agency.<tenant>.<agency>`, which the agency's gateway
 * (CAD integration, SMS bridge …) consumes. Publishing is de-duplicated per incident and agency.
 */
export const AgencyStream = "WT_AGENCY"
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

/** The agencies' stream as settings size it; created by provisioning (packages/launcher), checked by dispatch at start. */
export const agencyStreamSpec = (settings: Pick<NatsSettings, "replicas">): StreamSpec => ({
  name: AgencyStream,
  description: "Alerts to outside agencies (fire 110, police 112, ambulance 113)",
  subjects: ["wt.agency.>"],
  storage: StorageType.File,
  retention: RetentionPolicy.Limits,
  discard: DiscardPolicy.Old,
  max_age: nanos(30 * 24 * 3600 * 1000),
  duplicate_window: nanos(2 * 60 * 1000),
  num_replicas: settings.replicas,
  allow_direct: true,
  deny_delete: true,
  deny_purge: true
})

export const ensureAgencyStream = Effect.gen(function*() {
  yield* ensureStream(agencyStreamSpec(yield* NatsConfig))
})

export const sendAgencyAlert = (channel: string, alert: AgencyAlert) =>
  publishEvent(channel, AgencyAlert, alert, { msgId: `agency:${alert.incidentId}:${alert.agency}` })
