import { Config, Effect, Layer } from "effect"
import { DeviceEvent, IncidentRecord, Streams, Subjects } from "@wt/contracts"
import { appendAuditEntry, deviceEventEntry, incidentRecordEntries } from "@wt/audit-log"
import { consume } from "@wt/nats"

/**
 * Every device event JetStream accepted and every incident event (with its triage
 * decision) becomes an entry in WT_AUDIT. Entry ids follow the source stream's
 * sequence, so a redelivery after a crash writes nothing twice.
 */
export const AuditWriters = Layer.effectDiscard(
  Effect.gen(function*() {
    const concurrency = yield* Config.Int("WT_AUDIT_CONCURRENCY").pipe(Config.withDefault(256))
    yield* Effect.forkScoped(
      consume({
        stream: Streams.device,
        durable: "audit-device",
        filterSubject: Subjects.deviceAll,
        schema: DeviceEvent,
        source: "audit",
        concurrency,
        handler: (event, meta) => appendAuditEntry(deviceEventEntry(event, { stream: Streams.device, seq: meta.streamSeq }))
      })
    )
    yield* Effect.forkScoped(
      consume({
        stream: Streams.incident,
        durable: "audit-incident",
        filterSubject: Subjects.incidentAll,
        schema: IncidentRecord,
        source: "audit",
        concurrency: Math.min(concurrency, 16),
        handler: (record, meta) =>
          Effect.forEach(incidentRecordEntries(record, { stream: Streams.incident, seq: meta.streamSeq }), appendAuditEntry, { discard: true })
      })
    )
  })
)
