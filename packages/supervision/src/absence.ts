import { createHash } from "node:crypto"
import type { DeviceEvent } from "@wt/contracts"
import { deadlineMs, openedAtMs, type PendingCheck } from "./pending-checks.ts"

/** Something expected that did not happen, ready to become an incident. */
export type Absence =
  | {
    readonly _tag: "DeviceSilent"
    readonly tenant: string
    readonly deviceId: string
    readonly lastSeenMs: number
    readonly deadlineMs: number
  }
  | {
    readonly _tag: "NotBackInBed"
    readonly tenant: string
    readonly deviceId: string
    readonly leftAtMs: number
    readonly deadlineMs: number
  }
  | {
    readonly _tag: "DoorLeftOpen"
    readonly tenant: string
    readonly deviceId: string
    readonly openedAtMs: number
    readonly deadlineMs: number
  }
  | {
    readonly _tag: "DoseNotTaken"
    readonly tenant: string
    readonly deviceId: string
    readonly dueAtMs: number
    readonly deadlineMs: number
    readonly doseId?: string
    readonly scheduledAt?: string
    readonly critical?: boolean
  }
  | {
    readonly _tag: "NoMorningActivity"
    readonly tenant: string
    /** The motion sensor whose quiet is reported. */
    readonly deviceId: string
    readonly residentId: string
    readonly day: string
    readonly deadlineMs: number
  }

export type AbsenceTag = Absence["_tag"]

/** The absence a due check stands for. */
export const absenceOfCheck = (check: PendingCheck): Absence | undefined => {
  const opened = openedAtMs(check)
  const deadline = deadlineMs(check)
  if (opened === undefined || deadline === undefined) return undefined
  const base = { tenant: check.tenant, deviceId: check.deviceId, deadlineMs: deadline }
  switch (check.kind) {
    case "left_bed":
      return { _tag: "NotBackInBed", ...base, leftAtMs: opened }
    case "night_door":
      return { _tag: "DoorLeftOpen", ...base, openedAtMs: opened }
    case "dose":
      return {
        _tag: "DoseNotTaken",
        ...base,
        dueAtMs: opened,
        ...(check.dose?.doseId !== undefined ? { doseId: check.dose.doseId } : {}),
        ...(check.dose?.scheduledAt !== undefined ? { scheduledAt: check.dose.scheduledAt } : {}),
        ...(check.dose?.critical !== undefined ? { critical: check.dose.critical } : {})
      }
  }
}

const MaxEventIdLength = 128

/** Same absence, same id: two triage copies, or one restarted, raise it once. */
const deterministicId = (prefix: string, parts: ReadonlyArray<string | number>): string => {
  const id = [prefix, ...parts].join(".")
  return id.length <= MaxEventIdLength ? id : `${prefix}.${createHash("sha256").update(id).digest("hex").slice(0, 48)}`
}

export const absenceEventId = (absence: Absence): string => {
  switch (absence._tag) {
    case "DeviceSilent":
      return deterministicId("silence", [absence.tenant, absence.deviceId, absence.lastSeenMs])
    case "NotBackInBed":
      return deterministicId("left-bed", [absence.tenant, absence.deviceId, absence.leftAtMs])
    case "DoorLeftOpen":
      return deterministicId("door-open", [absence.tenant, absence.deviceId, absence.openedAtMs])
    case "DoseNotTaken":
      return deterministicId("dose-missed", [absence.tenant, absence.deviceId, absence.dueAtMs, absence.doseId ?? "-"])
    case "NoMorningActivity":
      return deterministicId("no-activity", [absence.tenant, absence.residentId, absence.day])
  }
}

const iso = (ms: number) => new Date(ms).toISOString()

/**
 * The canonical device event the engine writes into the incident for an absence.
 * Every field derives from the absence, so each copy that raises it builds the
 * same event; it happened when the deadline passed.
 */
export const absenceEvent = (absence: Absence): DeviceEvent => {
  const common = {
    id: absenceEventId(absence),
    tenant: absence.tenant,
    deviceId: absence.deviceId,
    occurredAt: iso(absence.deadlineMs),
    source: { via: "engine" as const }
  }
  switch (absence._tag) {
    case "DeviceSilent":
      return { ...common, type: "technical", payload: { event: "communication_failure" } }
    case "NotBackInBed":
      return { ...common, type: "sensor", payload: { sensor: "bed", state: "left_bed" } }
    case "DoorLeftOpen":
      return { ...common, type: "sensor", payload: { sensor: "door", state: "opened" } }
    case "DoseNotTaken":
      return {
        ...common,
        type: "medication",
        payload: {
          event: "dose_missed",
          ...(absence.doseId !== undefined ? { doseId: absence.doseId } : {}),
          scheduledAt: absence.scheduledAt ?? iso(absence.dueAtMs),
          ...(absence.critical !== undefined ? { critical: absence.critical } : {})
        }
      }
    case "NoMorningActivity":
      return { ...common, type: "sensor", payload: { sensor: "motion", state: "no_activity" } }
  }
}
