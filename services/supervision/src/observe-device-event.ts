import { Effect } from "effect"
import type { DeviceEvent } from "@wt/contracts"
import { SupervisionStorms } from "@wt/incident-store"
import type { NatsRequestFailed } from "@wt/nats"
import { type CheckChange, checkKey, clear, clearDoseTakenAt, intervalOrDefault, observe, type PendingCheck, start } from "@wt/supervision"
import type { ResidentContext } from "@wt/triage-rules"
import type { KvMirror } from "./kv-mirror.ts"
import { SignsOfLife } from "./signs-of-life.ts"
import { policyFor } from "./supervision-policy.ts"
import { SupervisionSettings } from "./supervision-settings.ts"
import { SupervisionStore } from "./supervision-store.ts"

const applyChange = (checks: KvMirror<PendingCheck>, change: CheckChange, earlyMs: number): Effect.Effect<unknown, NatsRequestFailed> => {
  switch (change._tag) {
    case "Start":
      return checks.modify(checkKey(change.start), (current) => start(current, change.start))
    case "Clear":
      return checks.modify(checkKey(change.ref), (current) => {
        const next = clear(current, change.ref, change.atMs)
        return current !== undefined && next.lastClearedAtMs === current.lastClearedAtMs ? undefined : next
      })
    case "DoseTaken":
      return Effect.forEach(
        checks.keysUnder(`${change.tenant}.dose.${change.deviceId}.`),
        (key) => checks.modify(key, (current) => (current === undefined ? undefined : clearDoseTakenAt(current, change.atMs, earlyMs))),
        { discard: true }
      )
  }
}

/** What supervision needs to know of the sending device (the fleet snapshot's entry, or the registry's owner). */
export interface ObservedDevice {
  readonly residentId: string
  readonly heartbeatIntervalS: number
  /** The resident as the rules see them (a plan may change night hours or left-bed minutes). */
  readonly resident?: ResidentContext
}

/**
 * What supervision learns from one stored device event of a known device, on any
 * lane: a sign of life (buffered), activity in the home (buffered), and the start
 * or end of a pending check (written at once). Idempotent, so redeliveries are harmless.
 *
 * Made once with its services: it runs per message, and for a heartbeat or a position
 * (nearly all of them) it is one buffered write, with no generator and no service lookup.
 */
export const makeObserver = Effect.gen(function*() {
  const settings = yield* SupervisionSettings
  const signs = yield* SignsOfLife
  const storms = yield* SupervisionStorms
  const { checks } = yield* SupervisionStore
  const earlyMs = settings.policy.dose.takenEarlyS * 1000
  return (event: DeviceEvent, owner: ObservedDevice): Effect.Effect<void, unknown> => {
    // Only a sensor's checks depend on the rule set (night hours, left-bed minutes): the policy is not
    // worked out again (rule set, local time) for every heartbeat and position.
    const policy = event.type === "sensor" ? policyFor(settings, event.tenant, event.occurredAt, owner.resident) : settings.policy
    const observation = observe(event, policy)
    const steps: Array<Effect.Effect<unknown, unknown>> = []
    if (observation.signOfLifeMs !== undefined && Number.isFinite(observation.signOfLifeMs)) {
      // The absence watch puts silent devices into a storm from this process, so this process knows of
      // such a loss at once; another process learns of it within 2 s, and a device's last event before
      // it falls quiet again may come sooner. (Heard from before its loss was queued: see raiseAbsence.)
      steps.push(Effect.andThen(
        signs.sighted(event.tenant, event.deviceId, observation.signOfLifeMs, intervalOrDefault(policy, owner.heartbeatIntervalS)),
        storms.signOfLife(event)
      ))
    }
    if (observation.activityMs !== undefined) steps.push(signs.active(event.tenant, owner.residentId, observation.activityMs))
    for (const change of observation.changes) steps.push(applyChange(checks, change, earlyMs))
    return steps.length === 1 ? Effect.asVoid(steps[0]!) : Effect.all(steps, { discard: true })
  }
})
