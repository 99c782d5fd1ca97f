import { Effect, Option } from "effect"
import type { DeviceEvent, TriageDecision } from "@wt/contracts"
import { DefaultRuleBook, engineDecision, EngineRules, isSupervisionLoss, ruleSetAt, type TriageContext } from "@wt/triage-rules"
import { routeDeviceEvent } from "./route-device-event.ts"
import { SupervisionStorms } from "./supervision-storms.ts"

/**
 * Puts a decided event into an incident: a supervision loss into the tenant's storm
 * when one is under way (or this loss starts one), everything else into the
 * resident's own incident. Triage routes what it classified through it, supervision
 * the losses its absence watch synthesises, so the two never disagree about storms.
 */
export const routeTriaged = Effect.fn("Triage.route")(function*(event: DeviceEvent, residentId: string, decision: TriageDecision, ctx: TriageContext) {
  if (isSupervisionLoss(event)) {
    const storms = yield* SupervisionStorms
    // The rule set in force when the event happened, for its tenant.
    const stormDecision = engineDecision(EngineRules.supervisionStorm, ruleSetAt(DefaultRuleBook, event.tenant, event.occurredAt), ctx)
    if (stormDecision !== undefined) {
      const inStorm = yield* storms.routeLoss(event, stormDecision)
      if (Option.isSome(inStorm)) return inStorm.value
      const routed = yield* routeDeviceEvent(event, residentId, decision)
      yield* storms.noteIndividual(event.tenant, event.deviceId, routed.incidentId)
      return routed
    }
  }
  return yield* routeDeviceEvent(event, residentId, decision)
})
