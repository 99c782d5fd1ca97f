export { decide, type Decision } from "./decide.ts"
export { alarmTypeOf, evolve, initialState, RecentEventMemory, replay } from "./evolve.ts"
export * from "./errors.ts"
export { DefaultEscalationLimits, escalationDue, type EscalationLimits, EscalationLimitsConfig } from "./escalation.ts"
