import { Config, Duration, Effect, Layer, Metric, Schedule } from "effect"
import { DefaultEscalationLimits, escalationDue, type EscalationLimits } from "@wt/incident"
import { IncidentStore } from "@wt/incident-store"
import { IncidentViews } from "@wt/read-models"

const escalations = Metric.counter("wt_escalations_total", { description: "Incidents escalated for waiting unclaimed", incremental: true })

const limit = (priority: keyof EscalationLimits) =>
  Config.Duration(`WT_ESCALATE_${priority}`).pipe(
    Config.map(Duration.toMillis),
    Config.withDefault(DefaultEscalationLimits[priority])
  )

/**
 * Every second, escalates incidents that waited unclaimed past their priority's limit
 * (P1: 30 s by default, `WT_ESCALATE_P1` …): the escalation is an incident event, so it is
 * in the timeline, raises the incident on the queue and reaches supervisors on the live
 * stream. Every copy of triage runs it; the decider ignores a level already reached.
 */
export const EscalationWatch = Layer.effectDiscard(
  Effect.gen(function*() {
    const limits: EscalationLimits = yield* Config.all({ P1: limit("P1"), P2: limit("P2"), P3: limit("P3"), P4: limit("P4") })
    const views = yield* IncidentViews
    const store = yield* IncidentStore
    const sweep = Effect.gen(function*() {
      const now = Date.now()
      for (const state of yield* views.unclaimed()) {
        const command = escalationDue(state, now, limits)
        if (command === undefined) continue
        const done = yield* store.execute(state.tenant, state.incidentId, command).pipe(
          Effect.map((r) => r.events.length),
          Effect.catch(() => Effect.succeed(0))
        )
        if (done > 0) {
          yield* Metric.update(escalations, 1)
          yield* Effect.logWarning("incident escalated").pipe(
            Effect.annotateLogs({ incidentId: state.incidentId, priority: state.priority, level: command.type === "escalate" ? command.level : 0 })
          )
        }
      }
    }).pipe(Effect.catch((e) => Effect.logError("escalation sweep failed", e)))
    yield* Effect.forkScoped(Effect.repeat(sweep, Schedule.spaced("1 second")))
  })
)
