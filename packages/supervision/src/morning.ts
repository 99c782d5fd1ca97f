import { Schema } from "effect"
import { instantOfLocal, localDate } from "./local-time.ts"
import type { SupervisionPolicy } from "./policy.ts"

/**
 * A resident's latest activity (motion, bed, door), as kept in `wt_resident_activity`.
 * `sinceMs` is when supervision of the resident began: a morning that began before
 * that is not judged, since its activity was never watched.
 */
export const ResidentActivity = Schema.Struct({
  lastActivityMs: Schema.NullOr(Schema.Number),
  sinceMs: Schema.Number,
  /** The local date ("YYYY-MM-DD") whose quiet morning was already raised. */
  raisedForDay: Schema.NullOr(Schema.String)
})
export type ResidentActivity = typeof ResidentActivity.Type

export const activitySince = (nowMs: number): ResidentActivity => ({ lastActivityMs: null, sinceMs: nowMs, raisedForDay: null })

/** Folds activity in; never moves it backwards. */
export const active = (current: ResidentActivity | undefined, atMs: number): ResidentActivity => {
  if (current === undefined) return { lastActivityMs: atMs, sinceMs: atMs, raisedForDay: null }
  if (current.lastActivityMs !== null && current.lastActivityMs >= atMs) return current
  return { ...current, lastActivityMs: atMs }
}

export interface QuietMorning {
  /** Local date. */
  readonly day: string
  /** The local morning hour that passed without activity, as an instant. */
  readonly byMs: number
}

/** Today's morning under a policy: the local date, and from when activity counts until when it is due, as instants. */
export interface MorningWindow {
  readonly day: string
  readonly fromMs: number
  readonly byMs: number
}

/**
 * The morning window of the local day `nowMs` falls on. It is the same for every resident under
 * one policy, so the absence watch works it out once per tenant per look, not once per motion
 * sensor: the local-time arithmetic was over half of supervision's CPU at rest.
 */
export const morningWindow = (nowMs: number, policy: SupervisionPolicy): MorningWindow => {
  const day = localDate(nowMs, policy.timeZone)
  return {
    day,
    fromMs: instantOfLocal(day, policy.morning.activityFrom, policy.timeZone),
    byMs: instantOfLocal(day, policy.morning.by, policy.timeZone)
  }
}

/** The morning of `window` passed without activity, if `nowMs` is past it and it was not yet raised. */
export const quietMorningIn = (record: ResidentActivity, window: MorningWindow, nowMs: number): QuietMorning | undefined => {
  if (nowMs <= window.byMs || record.raisedForDay === window.day) return undefined
  if (record.sinceMs > window.fromMs) return undefined
  if (record.lastActivityMs !== null && record.lastActivityMs >= window.fromMs) return undefined
  return { day: window.day, byMs: window.byMs }
}

export const markMorningRaised = (record: ResidentActivity, day: string): ResidentActivity => ({ ...record, raisedForDay: day })
