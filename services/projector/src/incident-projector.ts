import { Effect, Layer, Metric, Schedule } from "effect"
import { IncidentRecord, Streams, Subjects } from "@wt/contracts"
import { follow } from "@wt/nats"
import { applyIncidentRecord, resumePoint } from "@wt/read-models"

const applied = Metric.counter("wt_projector_records_total", { description: "Incident records applied to the read models", incremental: true })
const lastSeq = Metric.gauge("wt_projector_last_stream_seq", { description: "WT_INCIDENT sequence the read models have reached" })

/**
 * Follows WT_INCIDENT in order from one past the checkpoint kept beside the read
 * models, so the position and the rows commit together; a dropped read model
 * restarts at sequence 1 and is rebuilt from the stream.
 */
export const IncidentProjector = Layer.effectDiscard(
  Effect.gen(function*() {
    const startSeq = yield* resumePoint()
    yield* Effect.logInfo(`projecting incidents from stream sequence ${startSeq}`)
    yield* Effect.forkScoped(
      follow({
        stream: Streams.incident,
        filterSubject: Subjects.incidentAll,
        startSeq,
        schema: IncidentRecord,
        handler: (record, meta) =>
          applyIncidentRecord(record, meta.streamSeq).pipe(
            Effect.retry({ schedule: Schedule.exponential("100 millis"), times: 8 }),
            Effect.andThen(Metric.update(applied, 1)),
            Effect.andThen(Metric.update(lastSeq, meta.streamSeq))
          )
      })
    )
  })
)
