import { Clock, Effect, Layer, Metric, Schedule } from "effect"
import { escalationDue, type EscalationLimits, EscalationLimitsConfig } from "@wt/incident"
import { IncidentStore } from "@wt/incident-store"
import { seriesOf } from "@wt/observability"
import { IncidentViews } from "@wt/read-models"

// By priority, so an alert can page on a P1 left waiting (deploy/observability/alerts.yml).
const escalations = seriesOf(Metric.counter("wt_escalations_total", { description: "Incidents escalated for waiting unclaimed, by priority", incremental: true }))

/**
 * Every second, escalates incidents that waited unclaimed past their priority's limit
 * (P1: 30 s by default, `WT_ESCALATE_P1` …): the escalation is an incident event, so it is
 * in the timeline, raises the incident on the queue and reaches supervisors on the live
 * stream. It runs in the console, beside the queue it raises incidents on: off the alarm lane's
 * process (with thousands of incidents waiting, its sweeps would delay the care alarms it exists
 * for), and no longer in supervision, which the launcher runs at the bulk processes' low CPU
 * priority: there a 100,000-device storm held a P1's escalation back 6.3 s, against 0.7 s with
 * no priorities (decision 31). Any number of copies may run it; the decider ignores a level
 * already reached.
 */
export const EscalationWatch = Layer.effectDiscard(
  Effect.gen(function*() {
    const limits: EscalationLimits = yield* EscalationLimitsConfig
    const views = yield* IncidentViews
    const store = yield* IncidentStore
    const sweep = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      for (const state of yield* views.dueForEscalation(now, limits)) {
        const command = escalationDue(state, now, limits)
        if (command === undefined) continue
        const done = yield* store.execute(state.tenant, state.incidentId, command).pipe(
          Effect.map((r) => r.events.length),
          Effect.catch(() => Effect.succeed(0))
        )
        if (done > 0) {
          yield* Metric.update(escalations({ priority: state.priority }), 1)
          yield* Effect.logWarning("incident escalated").pipe(
            Effect.annotateLogs({ incidentId: state.incidentId, priority: state.priority, level: command.type === "escalate" ? command.level : 0 })
          )
        }
      }
    }).pipe(Effect.catch((e) => Effect.logError("escalation sweep failed", e)))
    yield* Effect.forkScoped(Effect.repeat(sweep, Schedule.spaced("1 second")))
  })
)
