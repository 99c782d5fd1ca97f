import type { DeviceEvent, IncidentCategory, Priority } from "@wt/contracts"

/**
 * A rule matches on the event's type and its payload's discriminating fields.
 * Rules are data so a tenant (or later a resident's plan) can override them,
 * and every decision names the rule and rule-set version that fired.
 */
export interface Rule {
  readonly id: string
  readonly when: {
    readonly type: DeviceEvent["type"]
    readonly trigger?: ReadonlyArray<string>
    readonly sensor?: ReadonlyArray<string>
    readonly state?: ReadonlyArray<string>
    readonly event?: ReadonlyArray<string>
    readonly sos?: boolean
    readonly critical?: boolean
  }
  readonly priority: Priority
  readonly category: IncidentCategory
  readonly reason: string
  /** Fire and smoke go to the fire service at once, not after a visit. */
  readonly fireService?: boolean
}

export interface RuleSet {
  readonly version: string
  readonly validFrom: string
  readonly validTo?: string
  readonly rules: ReadonlyArray<Rule>
}
