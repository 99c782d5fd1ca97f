import { Config, Effect, Layer } from "effect"
import { DeviceEventHead, IncidentRecord, Streams, Subjects } from "@wt/contracts"
import { appendAuditEntry, appendDeviceEventEntry, incidentRecordEntries } from "@wt/audit-log"
import { consume } from "@wt/nats"

/**
 * Every device event JetStream accepted (with its bytes as stored) and every incident
 * event (with its triage decision) becomes an entry in WT_AUDIT. Entry ids follow the source stream's
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
        // The gateway checked each event whole before storing it; the entry needs only its head and keeps its bytes.
        schema: DeviceEventHead,
        source: "audit",
        concurrency,
        handler: (event, meta) => appendDeviceEventEntry(event, meta.raw, { stream: Streams.device, seq: meta.streamSeq })
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
