import { createHash } from "node:crypto"
import type { DeviceEvent } from "@wt/contracts"
import { isWithinWindow } from "./local-time.ts"
import type { CheckRef, CheckStart } from "./pending-checks.ts"
import type { SupervisionPolicy } from "./policy.ts"

/** How one event changes the pending checks. */
export type CheckChange =
  | { readonly _tag: "Start"; readonly start: CheckStart }
  | { readonly _tag: "Clear"; readonly ref: CheckRef; readonly atMs: number }
  /** A dose taken without saying which: settles the dispenser's doses due by then (see `clearDoseTakenAt`). */
  | { readonly _tag: "DoseTaken"; readonly tenant: string; readonly deviceId: string; readonly atMs: number }

/** What supervision learns from one device event. */
export interface Observation {
  /**
   * When the gateway received it: every event is a sign of life of its device, except
   * a report that the device lost supervision (a vendor platform speaking about it)
   * and an event the engine itself made up.
   */
  readonly signOfLifeMs?: number
  /** Set when the event shows someone moving about the home (motion, bed, door). */
  readonly activityMs?: number
  readonly changes: ReadonlyArray<CheckChange>
}

const token = /^[A-Za-z0-9_-]{1,64}$/u

/** A dose's key within its dispenser: its id when it is a safe key token, else a hash of it, else its time. */
export const doseKey = (doseId: string | undefined, scheduledMs: number): string => {
  if (doseId === undefined) return `at-${scheduledMs}`
  if (token.test(doseId)) return `id-${doseId}`
  return `ih-${createHash("sha256").update(doseId).digest("hex").slice(0, 32)}`
}

const timeOf = (instant: string): number => Date.parse(instant)

const activitySensors: ReadonlyArray<string> = ["motion", "bed", "door"]

/** The sign of life, activity and check changes carried by one event. Pure: times come from the event. */
const supervisionLost: ReadonlyArray<string> = ["communication_failure", "sensor_supervision_lost"]

/** The parts of an event that say whether it is a sign of life. */
interface SignShape {
  readonly type: string
  readonly source?: { readonly via?: string | undefined } | undefined
  readonly payload?: object | undefined
}

const isSignOfLife = (event: SignShape): boolean =>
  event.source?.via !== "engine" &&
  !(event.type === "technical" && supervisionLost.includes((event.payload as { readonly event?: unknown } | undefined)?.event as string))

/** What supervision takes from an event on the tech or telemetry lane: whose it is, and its sign of life if it is one. */
export interface FollowedSign {
  readonly tenant: string
  readonly deviceId: string
  /** Undefined when the event is no sign of life (a report that the device lost supervision). */
  readonly signOfLifeMs: number | undefined
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * The sign of life of a tech- or telemetry-lane event as stored (parsed JSON), as `observe` would
 * find it, without decoding the whole event: on those lanes an event is a sign of life and
 * nothing else (no check, no activity). Reads only the fields it uses, each of the type the
 * contract gives it; undefined when one is missing or of another type (triage's classifying
 * consumer dead-letters such an event).
 */
export const followedSignOf = (value: unknown): FollowedSign | undefined => {
  if (!isRecord(value)) return undefined
  const { tenant, deviceId, type, source, payload } = value
  if (typeof tenant !== "string" || typeof deviceId !== "string" || typeof type !== "string") return undefined
  if (source !== undefined && !isRecord(source)) return undefined
  if (payload !== undefined && !isRecord(payload)) return undefined
  const event = { type, source: source as SignShape["source"], payload }
  if (!isSignOfLife(event)) return { tenant, deviceId, signOfLifeMs: undefined }
  const at = value["receivedAt"] ?? value["occurredAt"]
  if (typeof at !== "string") return undefined
  // A time that names no instant dates no sign of life (supervision skips a non-finite one from observe too).
  const ms = timeOf(at)
  return { tenant, deviceId, signOfLifeMs: Number.isFinite(ms) ? ms : undefined }
}

export const observe = (event: DeviceEvent, policy: SupervisionPolicy): Observation => {
  const signOfLife = isSignOfLife(event) ? { signOfLifeMs: timeOf(event.receivedAt ?? event.occurredAt) } : {}
  const atMs = timeOf(event.occurredAt)
  const ref = (kind: CheckRef["kind"], subject = event.deviceId): CheckRef => ({
    kind,
    tenant: event.tenant,
    deviceId: event.deviceId,
    subject
  })
  const atNight = () => isWithinWindow(atMs, policy.night, policy.timeZone)

  if (event.type === "sensor") {
    const { sensor, state } = event.payload
    const activity = activitySensors.includes(sensor) && state !== "no_activity" ? { activityMs: atMs } : {}
    const changes: Array<CheckChange> = []
    if (sensor === "bed" && state === "left_bed" && (!policy.leftBed.onlyAtNight || atNight())) {
      changes.push({ _tag: "Start", start: { ...ref("left_bed"), atMs, withinMs: policy.leftBed.withinS * 1000 } })
    } else if (sensor === "bed" && state === "returned_to_bed") {
      changes.push({ _tag: "Clear", ref: ref("left_bed"), atMs })
    } else if (sensor === "door" && state === "opened" && atNight()) {
      changes.push({ _tag: "Start", start: { ...ref("night_door"), atMs, withinMs: policy.nightDoor.closeWithinS * 1000 } })
    } else if (sensor === "door" && state === "closed") {
      changes.push({ _tag: "Clear", ref: ref("night_door"), atMs })
    }
    return { ...signOfLife, ...activity, changes }
  }

  if (event.type === "medication") {
    const { event: kind, doseId, scheduledAt, critical } = event.payload
    const scheduledMs = scheduledAt !== undefined ? timeOf(scheduledAt) : atMs
    const doseRef = ref("dose", `${event.deviceId}.${doseKey(doseId, scheduledMs)}`)
    if (kind === "dose_due") {
      const dose = {
        ...(doseId !== undefined ? { doseId } : {}),
        scheduledAt: scheduledAt ?? event.occurredAt,
        ...(critical !== undefined ? { critical } : {})
      }
      return {
        ...signOfLife,
        changes: [{ _tag: "Start", start: { ...doseRef, atMs: scheduledMs, withinMs: policy.dose.windowS * 1000, dose } }]
      }
    }
    // A dispenser that reports the miss itself has been triaged already: nothing left to wait for.
    if (kind === "dose_taken" || kind === "dose_missed") {
      if (doseId === undefined && scheduledAt === undefined) {
        return { ...signOfLife, changes: [{ _tag: "DoseTaken", tenant: event.tenant, deviceId: event.deviceId, atMs }] }
      }
      return { ...signOfLife, changes: [{ _tag: "Clear", ref: doseRef, atMs: Math.max(atMs, scheduledMs) }] }
    }
  }
  return { ...signOfLife, changes: [] }
}
