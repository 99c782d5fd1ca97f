import { Clock, Context, Effect, Layer, Metric, Schedule } from "effect"
import { IncidentRecord, type IncidentState, Streams, Subjects } from "@wt/contracts"
import { follow, Nats } from "@wt/nats"
import { needsDispatch } from "@wt/dispatch"

const mirrored = Metric.gauge("wt_dispatch_watched_incidents", { description: "Incidents with a call-out, timer or fire alert dispatch is watching" })

const keyOf = (tenant: string, incidentId: string) => `${tenant}.${incidentId}`

/**
 * The incidents dispatch has work or a deadline for, mirrored from WT_INCIDENT: at start the
 * last record of every incident subject (so a restart finds every open offer and timer in the
 * stream, nothing lives only in memory), then every new record. A copy of dispatch learns of
 * another copy's writes here too.
 */
export class IncidentMirror extends Context.Service<IncidentMirror, {
  readonly watched: () => ReadonlyArray<IncidentState>
  readonly get: (tenant: string, incidentId: string) => IncidentState | undefined
  /** Takes a state this copy just wrote, without waiting for it to come back from the stream. */
  readonly observe: (state: IncidentState) => void
  /** True once the stream's backlog has been read. */
  readonly caughtUp: () => boolean
}>()("wt/IncidentMirror") {
  static readonly layer = Layer.effect(
    IncidentMirror,
    Effect.gen(function*() {
      const states = new Map<string, IncidentState>()
      let caughtUp = false

      const observe = (state: IncidentState) => {
        const key = keyOf(state.tenant, state.incidentId)
        const known = states.get(key)
        if (known !== undefined && known.version >= state.version) return
        if (needsDispatch(state)) states.set(key, state)
        else states.delete(key)
      }

      const nats = yield* Nats
      // Where the backlog ends: with last-per-subject delivery, the stream's last message arrives last.
      const backlogEnd = (yield* nats.streamInfo(Streams.incident)).state.last_seq
      if (backlogEnd === 0) caughtUp = true
      let lastRecordAt = yield* Clock.currentTimeMillis
      // Should the stream's last message not decode (follow skips it), five quiet seconds also end the backlog.
      yield* Effect.forkScoped(Effect.repeat(
        Effect.map(Clock.currentTimeMillis, (now) => {
          if (!caughtUp && now - lastRecordAt > 5000) caughtUp = true
        }),
        Schedule.spaced("1 second")
      ))
      yield* Effect.forkScoped(
        follow({
          stream: Streams.incident,
          filterSubject: Subjects.incidentAll,
          deliverLastPerSubject: true,
          schema: IncidentRecord,
          handler: Effect.fnUntraced(function*(record, meta) {
            observe(record.state)
            lastRecordAt = yield* Clock.currentTimeMillis
            if (meta.streamSeq >= backlogEnd) caughtUp = true
            yield* Metric.update(mirrored, states.size)
          })
        })
      )
      return IncidentMirror.of({
        watched: () => [...states.values()],
        get: (tenant, incidentId) => states.get(keyOf(tenant, incidentId)),
        observe,
        caughtUp: () => caughtUp
      })
    })
  )
}
