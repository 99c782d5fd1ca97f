import { Schema } from "effect"
import { graceS, type SupervisionPolicy } from "./policy.ts"

/**
 * The last sign of life of one device, as kept in `wt_device_seen`. `sinceMs` is when
 * supervision of the device began (its first sighting, or its registration for a
 * device that never reported); `raisedForMs` names the silence already raised.
 */
export const DeviceSighting = Schema.Struct({
  lastSeenMs: Schema.Number,
  intervalS: Schema.Number,
  sinceMs: Schema.Number,
  raisedForMs: Schema.NullOr(Schema.Number)
})
export type DeviceSighting = typeof DeviceSighting.Type

/** A device supervised before it ever reported: its clock starts at registration. */
export const registeredSighting = (nowMs: number, intervalS: number): DeviceSighting => ({
  lastSeenMs: nowMs,
  intervalS,
  sinceMs: nowMs,
  raisedForMs: null
})

/** Folds a sign of life in; a sighting older than the one kept never moves it backwards. */
export const sighted = (current: DeviceSighting | undefined, atMs: number, intervalS: number): DeviceSighting => {
  if (current === undefined) return { lastSeenMs: atMs, intervalS, sinceMs: atMs, raisedForMs: null }
  if (current.lastSeenMs >= atMs) return current
  return { ...current, lastSeenMs: atMs, intervalS }
}

/** The instant after which silence is an absence: last seen + interval + grace. */
export const silenceDeadlineMs = (sighting: DeviceSighting, intervalS: number, policy: SupervisionPolicy): number =>
  sighting.lastSeenMs + Math.round((intervalS + graceS(policy, intervalS)) * 1000)

/** Silent past its deadline at `nowMs`, and this silence not yet raised. */
export const isSilent = (sighting: DeviceSighting, intervalS: number, policy: SupervisionPolicy, nowMs: number): boolean =>
  nowMs > silenceDeadlineMs(sighting, intervalS, policy) && sighting.raisedForMs !== sighting.lastSeenMs

export const markSilenceRaised = (sighting: DeviceSighting): DeviceSighting => ({ ...sighting, raisedForMs: sighting.lastSeenMs })
