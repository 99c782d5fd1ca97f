import { Effect } from "effect"
import type { DeviceEvent } from "@wt/contracts"
import { SupervisionStorms } from "@wt/incident-store"
import { Registry } from "@wt/registry"
import { classify, isRestore } from "@wt/triage-rules"
import { contextFor, decisionSeries, rulesFor } from "./triage-event.ts"

/**
 * Triage of the bulk lanes' ordinary events without a fiber: a heartbeat or position from a
 * device in the tenant's current fleet snapshot, no rule firing, not a restore, no storm under way.
 * That is what `triageDeviceEvent` does for such an event (it counts "no incident" and nothing
 * else), only read without effects. Anything else (a device the snapshot does not hold, a rule
 * that fires, a restore, a storm to tell) is left to `triageDeviceEvent`, which asks again.
 *
 * Nearly every event on the tech and telemetry lanes is such an event; the fiber, the generator and
 * the registry's effect each of them paid was most of triage-bulk's work per event.
 */
export const makeTriageNow = Effect.gen(function*() {
  const registry = yield* Registry
  const storms = yield* SupervisionStorms
  const context = yield* Effect.context<never>()
  const noIncident = decisionSeries({ outcome: "no_incident", priority: "none" })
  /** True when the event is triaged (counted as no incident); false leaves it to `triageDeviceEvent`. */
  const triageNow = (event: DeviceEvent): boolean => {
    if (!storms.quietNow(event.tenant) || isRestore(event)) return false
    const owner = registry.deviceOwnerNow(event.tenant, event.deviceId)
    if (owner === undefined) return false
    if (classify(event, rulesFor(event), contextFor(event, owner)) !== undefined) return false
    noIncident.updateUnsafe(1, context)
    return true
  }
  return triageNow
})
