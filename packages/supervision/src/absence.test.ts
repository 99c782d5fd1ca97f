import { describe, expect, it } from "@effect/vitest"
import { DeviceEvent, EventId } from "@wt/contracts"
import { Schema } from "effect"
import { type Absence, absenceEvent, absenceEventId, absenceOfCheck } from "./absence.ts"
import { markRaised, start } from "./pending-checks.ts"

const t = Date.parse("2026-11-25T22:00:00.000Z")
const absences: ReadonlyArray<readonly [Absence, string, unknown]> = [
  [{ _tag: "DeviceSilent", tenant: "demo", deviceId: "alarm-000001", lastSeenMs: t, deadlineMs: t + 90_000 }, "technical", { event: "communication_failure" }],
  [{ _tag: "NotBackInBed", tenant: "demo", deviceId: "sens-000002", leftAtMs: t, deadlineMs: t + 1_800_000 }, "sensor", { sensor: "bed", state: "left_bed" }],
  [{ _tag: "DoorLeftOpen", tenant: "demo", deviceId: "sens-000003", openedAtMs: t, deadlineMs: t + 600_000 }, "sensor", { sensor: "door", state: "opened" }],
  [
    { _tag: "DoseNotTaken", tenant: "demo", deviceId: "med-000001", dueAtMs: t, deadlineMs: t + 3_600_000, doseId: "d-1", critical: true },
    "medication",
    { event: "dose_missed", doseId: "d-1", scheduledAt: "2026-11-25T22:00:00.000Z", critical: true }
  ],
  [{ _tag: "NoMorningActivity", tenant: "demo", deviceId: "sens-000004", residentId: "res-0001", day: "2026-11-26", deadlineMs: t + 36_000_000 }, "sensor", { sensor: "motion", state: "no_activity" }]
]

describe("absences as canonical device events", () => {
  it.each(absences)("%o becomes a valid %s event from the engine", (absence, type, payload) => {
    const event = absenceEvent(absence)
    expect(Schema.decodeUnknownSync(DeviceEvent)(event)).toEqual(event)
    expect(event).toMatchObject({ type, payload, source: { via: "engine" }, deviceId: absence.deviceId, occurredAt: new Date(absence.deadlineMs).toISOString() })
  })

  it("the same absence always has the same event; another silence of the device has another", () => {
    const [silent] = absences[0]!
    expect(absenceEvent(silent)).toEqual(absenceEvent({ ...silent }))
    expect(absenceEventId(silent)).toBe(`silence.demo.alarm-000001.${t}`)
    expect(absenceEventId({ ...silent, lastSeenMs: t + 1 } as Absence)).not.toBe(absenceEventId(silent))
  })

  it("ids stay valid event ids for the longest tenant and device ids", () => {
    const long = "x".repeat(64)
    const id = absenceEventId({ _tag: "DeviceSilent", tenant: long, deviceId: long, lastSeenMs: t, deadlineMs: t })
    expect(Schema.is(EventId)(id)).toBe(true)
    expect(id.startsWith("silence.")).toBe(true)
  })

  it("a due check names its absence; a cleared one none", () => {
    const check = start(undefined, { kind: "night_door", tenant: "demo", deviceId: "sens-000003", subject: "sens-000003", atMs: t, withinMs: 600_000 })
    expect(absenceOfCheck(markRaised(check))).toEqual({ _tag: "DoorLeftOpen", tenant: "demo", deviceId: "sens-000003", openedAtMs: t, deadlineMs: t + 600_000 })
    expect(absenceOfCheck({ ...check, startsMs: [] })).toBeUndefined()
  })
})
