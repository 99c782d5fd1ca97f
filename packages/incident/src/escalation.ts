import { Config, Duration } from "effect"
import type { IncidentCommand, IncidentState, Priority } from "@wt/contracts"

/** How long an incident of each priority may wait unclaimed before it is escalated (ms). */
export type EscalationLimits = Readonly<Record<Priority, number>>

export const DefaultEscalationLimits: EscalationLimits = { P1: 30_000, P2: 120_000, P3: 900_000, P4: 3_600_000 }

/**
 * The escalation an unclaimed incident is due at `now`, if any: level n after n limits
 * unclaimed, so a P1 left for 60 s is escalated twice. Pure; the watch that calls it can
 * run in every triage copy because the decider ignores a level already reached.
 */
export const escalationDue = (state: IncidentState, now: number, limits: EscalationLimits): IncidentCommand | undefined => {
  if (state.status !== "open") return undefined
  const limit = limits[state.priority]
  const unclaimedForMs = Math.max(0, now - Date.parse(state.openedAt))
  const level = Math.floor(unclaimedForMs / limit)
  if (level < 1 || level <= (state.escalationLevel ?? 0)) return undefined
  return {
    type: "escalate",
    at: new Date(now).toISOString(),
    level,
    reason: `${state.priority} not claimed within ${Math.round(limit / 1000)} s`,
    unclaimedForMs
  }
}

const limitConfig = (priority: Priority) =>
  Config.Duration(`WT_ESCALATE_${priority}`).pipe(Config.map(Duration.toMillis), Config.withDefault(DefaultEscalationLimits[priority]))

/** The limits as configured (`WT_ESCALATE_P1` … `WT_ESCALATE_P4`), for every reader that must agree with the escalation watch. */
export const EscalationLimitsConfig: Config.Config<EscalationLimits> = Config.all({
  P1: limitConfig("P1"),
  P2: limitConfig("P2"),
  P3: limitConfig("P3"),
  P4: limitConfig("P4")
})
