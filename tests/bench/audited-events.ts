import { Effect } from "effect"
import { Streams } from "@wt/contracts"
import { bulkReadRange } from "@wt/nats"

const text = new TextDecoder()

/**
 * The WT_DEVICE sequences in `(deviceAfter, deviceTo]` that have an audit entry among the
 * WT_AUDIT entries after `auditAfter`: a care alarm's entry of its own (`device_event`) or a
 * place in a batch (`device_events`). Read from the stream and counted once per event, so an
 * event in two batches (a redelivery) cannot hide one that has none.
 */
export const auditedDeviceEvents = Effect.fn("Bench.auditedDeviceEvents")(function*(auditAfter: number, auditTo: number, deviceAfter: number, deviceTo: number) {
  const seen = new Set<number>()
  const note = (seq: number) => {
    if (seq > deviceAfter && seq <= deviceTo) seen.add(seq)
  }
  if (auditTo > auditAfter) {
    yield* bulkReadRange({
      stream: Streams.audit,
      fromSeq: auditAfter + 1,
      toSeq: auditTo,
      onMessage: (_seq, subject, data) => {
        if (subject.endsWith(".device_event")) {
          const entry = JSON.parse(text.decode(data)) as { origin?: { seq?: number } }
          if (typeof entry.origin?.seq === "number") note(entry.origin.seq)
        } else if (subject.endsWith(".device_events")) {
          const entry = JSON.parse(text.decode(data)) as { data?: { events?: ReadonlyArray<{ seq?: number }> } }
          for (const e of entry.data?.events ?? []) if (typeof e.seq === "number") note(e.seq)
        }
      }
    })
  }
  return seen.size
})
