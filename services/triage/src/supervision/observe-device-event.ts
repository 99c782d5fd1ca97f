import { Effect } from "effect"
import type { DeviceEvent } from "@wt/contracts"
import { type CheckChange, checkKey, clear, clearDoseTakenAt, intervalOrDefault, observe, start } from "@wt/supervision"
import type { ResidentContext } from "@wt/triage-rules"
import { SignsOfLife } from "./signs-of-life.ts"
import { policyFor } from "./supervision-policy.ts"
import { SupervisionSettings } from "./supervision-settings.ts"
import { SupervisionStore } from "./supervision-store.ts"

const applyChange = Effect.fnUntraced(function*(change: CheckChange, earlyMs: number) {
  const { checks } = yield* SupervisionStore
  switch (change._tag) {
    case "Start":
      yield* checks.modify(checkKey(change.start), (current) => start(current, change.start))
      return
    case "Clear":
      yield* checks.modify(checkKey(change.ref), (current) => {
        const next = clear(current, change.ref, change.atMs)
        return current !== undefined && next.lastClearedAtMs === current.lastClearedAtMs ? undefined : next
      })
      return
    case "DoseTaken":
      yield* Effect.forEach(
        checks.keysUnder(`${change.tenant}.dose.${change.deviceId}.`),
        (key) =>
          checks.modify(key, (current) => (current === undefined ? undefined : clearDoseTakenAt(current, change.atMs, earlyMs))),
        { discard: true }
      )
  }
})

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
 * Untraced on purpose: it runs per message, and Effect.fn's span and call-site Error
 * (a captured stack per call) cost more than the work itself.
 */
export const observeDeviceEvent = Effect.fnUntraced(function*(event: DeviceEvent, owner: ObservedDevice) {
  const settings = yield* SupervisionSettings
  // Only a sensor's checks depend on the rule set (night hours, left-bed minutes): the policy is not
  // worked out again (rule set, local time) for every heartbeat and position.
  const policy = event.type === "sensor" ? policyFor(settings, event.tenant, event.occurredAt, owner.resident) : settings.policy
  const signs = yield* SignsOfLife
  const observation = observe(event, policy)
  if (observation.signOfLifeMs !== undefined && Number.isFinite(observation.signOfLifeMs)) {
    yield* signs.sighted(event.tenant, event.deviceId, observation.signOfLifeMs, intervalOrDefault(policy, owner.heartbeatIntervalS))
  }
  if (observation.activityMs !== undefined) yield* signs.active(event.tenant, owner.residentId, observation.activityMs)
  for (const change of observation.changes) yield* applyChange(change, policy.dose.takenEarlyS * 1000)
})
