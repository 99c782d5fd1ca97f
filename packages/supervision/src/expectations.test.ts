import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { DeviceEvent, laneOfEvent } from "@wt/contracts"
import { doseKey, followedSignOf, observe } from "./expectations.ts"
import { DefaultPolicy } from "./policy.ts"

// 23:10 and 13:10 in Oslo (winter, UTC+1).
const night = "2026-11-25T22:10:00.000Z"
const day = "2026-11-25T12:10:00.000Z"
const received = "2026-11-25T22:10:00.400Z"
const base = { tenant: "demo", source: { via: "sim" as const } }
const sensor = (deviceId: string, s: "bed" | "door" | "motion", state: string, occurredAt = night): DeviceEvent =>
  ({ ...base, id: `evt-${deviceId}-${state}`, deviceId, occurredAt, receivedAt: received, type: "sensor", payload: { sensor: s, state } }) as DeviceEvent
const medication = (payload: Extract<DeviceEvent, { type: "medication" }>["payload"], occurredAt = day): DeviceEvent =>
  ({ ...base, id: "evt-med-00000001", deviceId: "med-000001", occurredAt, type: "medication", payload })

const ms = Date.parse
const bedRef = { kind: "left_bed", tenant: "demo", deviceId: "sens-000002", subject: "sens-000002" }
const doorRef = { kind: "night_door", tenant: "demo", deviceId: "sens-000003", subject: "sens-000003" }

describe("what one event tells supervision", () => {
  it.each([
    ["left bed at night starts a 30 min check", sensor("sens-000002", "bed", "left_bed"), [{ _tag: "Start", start: { ...bedRef, atMs: ms(night), withinMs: 30 * 60_000 } }]],
    ["left bed by day starts nothing", sensor("sens-000002", "bed", "left_bed", day), []],
    ["back in bed clears it", sensor("sens-000002", "bed", "returned_to_bed"), [{ _tag: "Clear", ref: bedRef, atMs: ms(night) }]],
    ["door opened at night starts a 10 min check", sensor("sens-000003", "door", "opened"), [{ _tag: "Start", start: { ...doorRef, atMs: ms(night), withinMs: 10 * 60_000 } }]],
    ["door opened by day starts nothing", sensor("sens-000003", "door", "opened", day), []],
    ["door closed clears it", sensor("sens-000003", "door", "closed"), [{ _tag: "Clear", ref: doorRef, atMs: ms(night) }]],
    ["motion changes no check", sensor("sens-000004", "motion", "triggered"), []]
  ] as const)("%s", (_, event, changes) => {
    expect(observe(event, DefaultPolicy).changes).toEqual(changes)
  })

  it.each([
    ["motion", sensor("sens-000004", "motion", "triggered"), true],
    ["bed exit", sensor("sens-000002", "bed", "left_bed", day), true],
    ["door", sensor("sens-000003", "door", "closed"), true],
    ["a motion sensor reporting no activity", sensor("sens-000004", "motion", "no_activity"), false],
    ["a dose", medication({ event: "dose_taken" }), false]
  ] as const)("%s is activity in the home: %s", (_, event, isActivity) => {
    expect(observe(event, DefaultPolicy).activityMs !== undefined).toBe(isActivity)
  })

  it("every event is a sign of life, dated when the gateway received it", () => {
    const heartbeat: DeviceEvent = { ...base, id: "evt-hb-00000001", deviceId: "alarm-000001", occurredAt: night, receivedAt: received, type: "technical", payload: { event: "heartbeat" } }
    expect(observe(heartbeat, DefaultPolicy)).toEqual({ signOfLifeMs: ms(received), changes: [] })
    expect(observe(medication({ event: "refill_needed" }), DefaultPolicy).signOfLifeMs).toBe(ms(day))
  })

  it.each(["communication_failure", "sensor_supervision_lost"] as const)("a report of %s is about the device, not from it: no sign of life", (kind) => {
    const lost: DeviceEvent = { ...base, id: "evt-lost-00000001", deviceId: "alarm-000001", occurredAt: night, receivedAt: received, type: "technical", payload: { event: kind } }
    expect(observe(lost, DefaultPolicy)).toEqual({ changes: [] })
  })

  it("an event the engine made up is no sign of life", () => {
    const made: DeviceEvent = { ...base, id: "silence.demo.alarm-000001.1", deviceId: "alarm-000001", occurredAt: night, source: { via: "engine" }, type: "technical", payload: { event: "heartbeat" } }
    expect(observe(made, DefaultPolicy).signOfLifeMs).toBeUndefined()
  })

  it("a due dose is expected within its window after its scheduled time", () => {
    const scheduledAt = "2026-11-25T12:00:00.000Z"
    const { changes } = observe(medication({ event: "dose_due", doseId: "d-0800", scheduledAt, critical: true }), DefaultPolicy)
    expect(changes).toEqual([{
      _tag: "Start",
      start: {
        kind: "dose",
        tenant: "demo",
        deviceId: "med-000001",
        subject: "med-000001.id-d-0800",
        atMs: ms(scheduledAt),
        withinMs: 60 * 60_000,
        dose: { doseId: "d-0800", scheduledAt, critical: true }
      }
    }])
  })

  it.each([
    ["taken, with its id", { event: "dose_taken", doseId: "d-0800" }, "Clear"],
    ["reported missed by the dispenser", { event: "dose_missed", doseId: "d-0800" }, "Clear"],
    ["taken, without an id", { event: "dose_taken" }, "DoseTaken"]
  ] as const)("a dose %s settles its check", (_, payload, tag) => {
    const [change] = observe(medication(payload), DefaultPolicy).changes
    expect(change?._tag).toBe(tag)
    if (change?._tag === "Clear") expect(change.ref.subject).toBe("med-000001.id-d-0800")
  })

  it("dose keys are KV-safe whatever the vendor's dose id", () => {
    expect(doseKey("d-0800", 0)).toBe("id-d-0800")
    expect(doseKey(undefined, 1234)).toBe("at-1234")
    const odd = doseKey("morning dose 08:00/ø", 0)
    expect(odd).toMatch(/^ih-[0-9a-f]{32}$/u)
    expect(doseKey("morning dose 08:00/ø", 0)).toBe(odd)
  })

  it.prop(
    "read from its stored JSON without decoding it whole, any tech- or telemetry-lane event's sign of life is what observe finds in it",
    [DeviceEvent.check(Schema.makeFilter((event: DeviceEvent) => laneOfEvent(event) !== "alarm" || "on the alarm lane"))],
    ([event]) => {
      const stored: unknown = JSON.parse(JSON.stringify(event))
      const observed = observe(event, DefaultPolicy).signOfLifeMs
      // Supervision takes a sign only when it names an instant.
      const signOfLifeMs = observed !== undefined && Number.isFinite(observed) ? observed : undefined
      expect(followedSignOf(stored)).toEqual({ tenant: event.tenant, deviceId: event.deviceId, signOfLifeMs })
    }
  )

  it("a stored event missing what names it, or its time, gives nothing to follow; a time that names no instant, no sign", () => {
    const heartbeat = { id: "h1", tenant: "demo", deviceId: "alarm-1", type: "technical", occurredAt: "2026-12-05T03:00:00Z", source: { via: "http" }, payload: { event: "heartbeat" } }
    expect(followedSignOf(heartbeat)).toEqual({ tenant: "demo", deviceId: "alarm-1", signOfLifeMs: Date.parse("2026-12-05T03:00:00Z") })
    for (const broken of [null, "text", [heartbeat], { ...heartbeat, tenant: 7 }, { ...heartbeat, deviceId: undefined }, { ...heartbeat, occurredAt: 7 }, { ...heartbeat, payload: "x" }]) {
      expect(followedSignOf(broken), JSON.stringify(broken)).toBeUndefined()
    }
    expect(followedSignOf({ ...heartbeat, occurredAt: "not a time" })).toEqual({ tenant: "demo", deviceId: "alarm-1", signOfLifeMs: undefined })
  })
})
