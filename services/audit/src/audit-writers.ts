import { Config, Effect, Layer, Schedule } from "effect"
import { DeviceEventHead, IncidentRecord, Streams, Subjects } from "@wt/contracts"
import { appendAuditEntry, appendDeviceEventEntry, appendDeviceEventsEntry, incidentRecordEntries, type StoredDeviceEvent } from "@wt/audit-log"
import {
  consume,
  decodeDeviceFrame,
  type DeliverFrom,
  type DeviceFrame,
  deviceFramesStreamSpec,
  ensureConsumer,
  ensureStream,
  frameConsumer,
  framedEventsSettled,
  FramedLanes,
  frameReaderStart,
  moveToFrames,
  NatsConfig,
  tenantOfSubject,
  writeLaneFrames
} from "@wt/nats"

/** The audit service's durable over every lane, before the bulk lanes came in frames (decision 22). */
const RetiredDurable = "audit-device"

/** The alarm lane's durable; one entry per care alarm. */
const alarmConsumer = (concurrency: number) => ({
  stream: Streams.device,
  durable: "audit-alarm",
  filterSubject: Subjects.deviceLaneFilter("alarm"),
  ackWaitMs: 30_000,
  maxAckPending: Math.max(128, concurrency * 32)
})

/** Frames audited at once per lane: each is one write per tenant in it. */
const FramesAtOnce = 4

/** A frame's events by tenant, each with the time its first was stored: one `device_events` entry each. */
const byTenant = (frame: DeviceFrame) => {
  const tenants = new Map<string, { events: Array<StoredDeviceEvent>; firstStoredMs: number }>()
  for (const event of frame.events) {
    const tenant = tenantOfSubject(event.subject) ?? "unknown"
    const batch = tenants.get(tenant)
    if (batch === undefined) tenants.set(tenant, { events: [{ seq: event.seq, stored: event.data }], firstStoredMs: event.storedAtMs })
    else batch.events.push({ seq: event.seq, stored: event.data })
  }
  return tenants
}

/**
 * Every device event JetStream accepted (with its bytes as stored) and every incident event
 * (with its triage decision) becomes an entry in WT_AUDIT. A care alarm's event has an entry of
 * its own, from the alarm lane's durable. Telemetry and technical events (heartbeats, positions:
 * nearly all of them) reach the trail in device frames (docs/device-frames.md): this service
 * writes each bulk lane's frames, as triage-bulk does (whichever stores a frame first), and reads
 * them back through a durable per lane, one `device_events` entry per tenant in a frame. Entry
 * ids follow the source stream's sequences, so a redelivered alarm or frame writes no entry twice
 * within the de-duplication window; frames neither overlap nor leave gaps, so no event is in two
 * batches or in none (docs/audit.md).
 */
export const AuditWriters = Layer.effectDiscard(
  Effect.gen(function*() {
    const concurrency = yield* Config.Int("WT_AUDIT_CONCURRENCY").pipe(Config.withDefault(512))
    const alarmConcurrency = Math.min(concurrency, 64)
    yield* ensureStream(deviceFramesStreamSpec(yield* NatsConfig))
    // The durable over every lane hands over to the alarm lane's and the frames' durables, where it had read to.
    const next = yield* moveToFrames(RetiredDurable, FramedLanes, (next) =>
      Effect.gen(function*() {
        const alarmFrom: DeliverFrom = next === undefined ? "all" : { startSeq: next }
        yield* ensureConsumer({ ...alarmConsumer(alarmConcurrency), deliverPolicy: alarmFrom })
        for (const lane of FramedLanes) {
          yield* ensureConsumer({ ...frameConsumer(lane, `audit-frames-${lane}`, FramesAtOnce), deliverPolicy: yield* frameReaderStart(lane, next) })
        }
      })).pipe(Effect.retry({ schedule: Schedule.spaced("1 second"), times: 30 }))
    if (next !== undefined) yield* Effect.logInfo(`audit: moved from ${RetiredDurable} to frames at WT_DEVICE ${next}`)
    for (const lane of FramedLanes) {
      yield* Effect.forkScoped(writeLaneFrames(lane))
      const durable = `audit-frames-${lane}`
      const settled = framedEventsSettled(durable, lane)
      const { ackWaitMs, ...setup } = frameConsumer(lane, durable, FramesAtOnce)
      yield* Effect.forkScoped(
        consume({
          ...setup,
          ackWait: ackWaitMs,
          schema: { decode: decodeDeviceFrame },
          source: "audit",
          concurrency: FramesAtOnce,
          handler: (frame) =>
            Effect.forEach(
              byTenant(frame),
              ([tenant, { events, firstStoredMs }]) =>
                appendDeviceEventsEntry(tenant, events, { stream: Streams.device, at: new Date(firstStoredMs).toISOString() }),
              { concurrency: "unbounded", discard: true }
            ).pipe(Effect.andThen(settled(frame.events.length)))
        })
      )
    }
    const { ackWaitMs: alarmAckWaitMs, ...alarmSetup } = alarmConsumer(alarmConcurrency)
    yield* Effect.forkScoped(
      consume({
        ...alarmSetup,
        ackWait: alarmAckWaitMs,
        // The gateway checked each event whole before storing it; the entry needs only its head and keeps its bytes.
        schema: DeviceEventHead,
        source: "audit",
        concurrency: alarmConcurrency,
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
