import { Config, Effect, Layer } from "effect"
import { DeviceEventHead, IncidentRecord, laneOfEvent, Streams, Subjects } from "@wt/contracts"
import { appendAuditEntry, appendDeviceEventEntry, appendDeviceEventsEntry, DeviceEventBatches, incidentRecordEntries, type StoredDeviceEvent } from "@wt/audit-log"
import { consume, type MessageMeta } from "@wt/nats"

/** How the audit service batches telemetry and technical events' entries (see docs/audit.md). */
const deviceBatchConfig = Config.all({
  maxEvents: Config.Int("WT_AUDIT_BATCH_EVENTS").pipe(Config.withDefault(250)),
  maxBytes: Config.Int("WT_AUDIT_BATCH_BYTES").pipe(Config.withDefault(512 * 1024)),
  maxWaitMs: Config.Int("WT_AUDIT_BATCH_WAIT_MS").pipe(Config.withDefault(20))
})

/** A batched event as its entry keeps it: its sequence in WT_DEVICE and its bytes as stored. */
const storedOf = (meta: MessageMeta): StoredDeviceEvent => ({ seq: meta.streamSeq, stored: meta.raw })

/** When a batched event counts for its entry's time: received, else happened. */
const batchedAt = (event: DeviceEventHead) => event.receivedAt ?? event.occurredAt

/**
 * Every device event JetStream accepted (with its bytes as stored) and every incident
 * event (with its triage decision) becomes an entry in WT_AUDIT. A care alarm's event has an
 * entry of its own; telemetry and technical events (heartbeats, positions: nearly all of them)
 * are written a few hundred to an entry. Entry ids follow the source stream's sequence, so
 * a redelivery after a crash writes no single entry twice; a batch written again after a crash
 * holds other events, so an event may then be in two batches (never in none).
 */
export const AuditWriters = Layer.effectDiscard(
  Effect.gen(function*() {
    // Each handler of a batched event waits for its batch to be stored, so the consumer takes many at once.
    const concurrency = yield* Config.Int("WT_AUDIT_CONCURRENCY").pipe(Config.withDefault(512))
    const batches = new DeviceEventBatches(
      yield* deviceBatchConfig,
      (tenant, events, at) => appendDeviceEventsEntry(tenant, events, { stream: Streams.device, at })
    )
    yield* Effect.forkScoped(
      consume({
        stream: Streams.device,
        durable: "audit-device",
        filterSubject: Subjects.deviceAll,
        // The gateway checked each event whole before storing it; the entry needs only its head and keeps its bytes.
        schema: DeviceEventHead,
        source: "audit",
        concurrency,
        handler: (event, meta) =>
          laneOfEvent(event) === "alarm"
            ? appendDeviceEventEntry(event, meta.raw, { stream: Streams.device, seq: meta.streamSeq })
            : batches.add(event.tenant, storedOf(meta), batchedAt(event)),
        // An event joining a batch already gathering waits for it without a fiber of its own.
        handleNow: (event, meta, done) =>
          laneOfEvent(event) !== "alarm" && batches.addNow(event.tenant, storedOf(meta), batchedAt(event), done)
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
