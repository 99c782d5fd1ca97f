import { Schema } from "effect"

/** What a pending check waits for: back in bed, door closed, dose taken. */
export const CheckKind = Schema.Literals(["left_bed", "night_door", "dose"])
export type CheckKind = typeof CheckKind.Type

export const DoseDetail = Schema.Struct({
  doseId: Schema.optionalKey(Schema.String),
  scheduledAt: Schema.optionalKey(Schema.String),
  critical: Schema.optionalKey(Schema.Boolean)
})
export type DoseDetail = typeof DoseDetail.Type

/** Which check: one per kind and subject (a bed or door sensor, or one dose of a dispenser). */
export interface CheckRef {
  readonly kind: CheckKind
  readonly tenant: string
  readonly deviceId: string
  /** A KV key token path: the device id, or `<deviceId>.<doseKey>` for a dose. */
  readonly subject: string
}

/** A check's KV key, `<tenant>.<kind>.<subject>`. */
export const checkKey = (ref: CheckRef): string => `${ref.tenant}.${ref.kind}.${ref.subject}`

/**
 * One check as kept in `wt_pending_checks`. It remembers the starts not yet
 * cleared and the latest clear, not just "open or not", so that the result is
 * the same whatever order the events arrive in (two triage copies, redeliveries):
 * the episode is the earliest start after the latest clear.
 */
export const PendingCheck = Schema.Struct({
  kind: CheckKind,
  tenant: Schema.String,
  deviceId: Schema.String,
  subject: Schema.String,
  /** Starts after `lastClearedAtMs`, ascending, the earliest few. */
  startsMs: Schema.Array(Schema.Number),
  lastClearedAtMs: Schema.NullOr(Schema.Number),
  /** How long after its start an episode becomes an absence. */
  withinMs: Schema.Number,
  /** The start of the episode already raised as an incident. */
  raisedForMs: Schema.NullOr(Schema.Number),
  dose: Schema.optionalKey(DoseDetail)
})
export type PendingCheck = typeof PendingCheck.Type

/** More open starts than this add nothing: the earliest decides the deadline. */
const KeptStarts = 8

export interface CheckStart extends CheckRef {
  readonly atMs: number
  readonly withinMs: number
  readonly dose?: DoseDetail
}

const empty = (ref: CheckRef, withinMs: number): PendingCheck => ({
  kind: ref.kind,
  tenant: ref.tenant,
  deviceId: ref.deviceId,
  subject: ref.subject,
  startsMs: [],
  lastClearedAtMs: null,
  withinMs,
  raisedForMs: null
})

/** An event that opens an expectation (left bed, door opened at night, dose due). */
export const start = (current: PendingCheck | undefined, s: CheckStart): PendingCheck => {
  const base = current ?? empty(s, s.withinMs)
  if (base.lastClearedAtMs !== null && base.lastClearedAtMs >= s.atMs) return base
  if (base.startsMs.includes(s.atMs)) return base
  const startsMs = [...base.startsMs, s.atMs].sort((a, b) => a - b).slice(0, KeptStarts)
  return {
    ...base,
    startsMs,
    withinMs: s.withinMs,
    ...(s.dose !== undefined ? { dose: s.dose } : {})
  }
}

/** An event that meets the expectation (back in bed, door closed, dose taken) at `atMs`. */
export const clear = (current: PendingCheck | undefined, ref: CheckRef, atMs: number): PendingCheck => {
  const base = current ?? empty(ref, 0)
  const lastClearedAtMs = Math.max(base.lastClearedAtMs ?? Number.NEGATIVE_INFINITY, atMs)
  return { ...base, lastClearedAtMs, startsMs: base.startsMs.filter((t) => t > lastClearedAtMs) }
}

/** The open episode's start, if one is open. */
export const openedAtMs = (check: PendingCheck): number | undefined => check.startsMs[0]

export const deadlineMs = (check: PendingCheck): number | undefined => {
  const opened = openedAtMs(check)
  return opened === undefined ? undefined : opened + check.withinMs
}

/**
 * Open past its deadline at `nowMs` and not yet raised. An episode that began at or
 * before the raised one is that same absence (a late event moved its start earlier).
 */
export const isDue = (check: PendingCheck, nowMs: number): boolean => {
  const opened = openedAtMs(check)
  if (opened === undefined || nowMs <= opened + check.withinMs) return false
  return check.raisedForMs === null || opened > check.raisedForMs
}

export const markRaised = (check: PendingCheck): PendingCheck => ({ ...check, raisedForMs: openedAtMs(check) ?? check.raisedForMs })

/** The checks due at `nowMs`, earliest deadline first. */
export const due = (checks: Iterable<PendingCheck>, nowMs: number): ReadonlyArray<PendingCheck> =>
  [...checks].filter((c) => isDue(c, nowMs)).sort((a, b) => (deadlineMs(a) ?? 0) - (deadlineMs(b) ?? 0))

/**
 * A dose_taken that names no dose settles every dose of its dispenser scheduled
 * up to `earlyMs` after it (a dose can be taken a little before it is due).
 */
export const clearDoseTakenAt = (check: PendingCheck, takenAtMs: number, earlyMs: number): PendingCheck => {
  const opened = openedAtMs(check)
  if (check.kind !== "dose" || opened === undefined || opened > takenAtMs + earlyMs) return check
  return clear(check, check, Math.max(takenAtMs, opened))
}
