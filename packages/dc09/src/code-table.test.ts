import { describe, expect, it } from "@effect/vitest"
import { DeviceEvent } from "@wt/contracts"
import { Schema } from "effect"
import { CodeTableVersion, DefaultCodeTable, frameOf, parseFrame, toDeviceEventDrafts } from "./index.ts"

const now = Date.UTC(2026, 11, 1, 12, 0, 0)
const receivedAt = new Date(now).toISOString()

const draftsOf = (body: string) => {
  const result = parseFrame(frameOf(body).text, { now, keyFor: () => undefined })
  if (result._tag !== "Parsed") throw new Error(`refused: ${result.reason}`)
  return toDeviceEventDrafts(result.frame, receivedAt)
}
const cid = (q: string, code: string) => draftsOf(`"ADM-CID"0001L0#1234[#1234|${q}${code} 01 003]`)[0]
const sia = (code: string) => draftsOf(`"SIA-DCS"0001L0#1234[#1234|N${code}3]`)[0]
const head = (d: ReturnType<typeof cid>) => {
  const p = d.payload as Record<string, unknown>
  return { type: d.type, ...(p.trigger ? { trigger: p.trigger } : {}), ...(p.sensor ? { sensor: p.sensor, state: p.state } : {}), ...(p.event ? { event: p.event } : {}) }
}

describe(`code table ${CodeTableVersion}`, () => {
  it.each([
    ["1", "101", { type: "safety_alarm", trigger: "pendant" }],
    ["1", "100", { type: "safety_alarm", trigger: "button" }],
    ["1", "120", { type: "safety_alarm", trigger: "button" }],
    ["1", "110", { type: "sensor", sensor: "smoke", state: "triggered" }],
    ["1", "111", { type: "sensor", sensor: "smoke", state: "triggered" }],
    ["3", "111", { type: "sensor", sensor: "smoke", state: "restored" }],
    ["1", "154", { type: "sensor", sensor: "water", state: "triggered" }],
    ["3", "154", { type: "sensor", sensor: "water", state: "restored" }],
    ["1", "158", { type: "sensor", sensor: "heat", state: "triggered" }],
    ["1", "159", { type: "safety_alarm", trigger: "button" }],
    ["1", "162", { type: "sensor", sensor: "smoke", state: "triggered" }],
    ["1", "301", { type: "technical", event: "power_lost" }],
    ["3", "301", { type: "technical", event: "power_restored" }],
    ["1", "302", { type: "technical", event: "low_battery" }],
    ["1", "384", { type: "technical", event: "low_battery" }],
    ["1", "344", { type: "technical", event: "radio_jamming" }],
    ["1", "351", { type: "technical", event: "communication_failure" }],
    ["3", "351", { type: "technical", event: "communication_restored" }],
    ["1", "354", { type: "technical", event: "communication_failure" }],
    ["1", "147", { type: "technical", event: "sensor_supervision_lost" }],
    ["1", "381", { type: "technical", event: "sensor_supervision_lost" }],
    ["3", "381", { type: "technical", event: "communication_restored" }],
    ["1", "602", { type: "technical", event: "periodic_test" }],
    ["1", "102", { type: "technical", event: "sensor_supervision_lost" }],
    ["6", "101", { type: "safety_alarm", trigger: "pendant" }],
    ["3", "101", { type: "technical", event: "heartbeat" }]
  ])("Contact ID %s %s", (q, code, expected) => {
    const d = cid(q, code)
    expect(head(d)).toEqual(expected)
    expect(d.payload).toMatchObject({ code: `CID:${q}${code}`, codeTable: CodeTableVersion, mappedBy: "table", partition: "01", zone: "003" })
  })

  it("records the hazard where the contract has no sensor kind for it, and what a restore restores", () => {
    expect(cid("1", "162").payload).toMatchObject({ hazard: "carbon_monoxide" })
    expect(cid("1", "159").payload).toMatchObject({ condition: "low_temperature" })
    expect(cid("3", "101").payload).toMatchObject({ condition: "restored", restoreOf: "personal emergency", qualifier: "restore" })
    expect(cid("6", "101").payload).toMatchObject({ qualifier: "status" })
  })

  it.each([
    ["QA", { type: "safety_alarm", trigger: "pendant" }],
    ["MA", { type: "safety_alarm", trigger: "button" }],
    ["PA", { type: "safety_alarm", trigger: "button" }],
    ["FA", { type: "sensor", sensor: "smoke", state: "triggered" }],
    ["FH", { type: "sensor", sensor: "smoke", state: "restored" }],
    ["WA", { type: "sensor", sensor: "water", state: "triggered" }],
    ["KA", { type: "sensor", sensor: "heat", state: "triggered" }],
    ["GA", { type: "sensor", sensor: "smoke", state: "triggered" }],
    ["AT", { type: "technical", event: "power_lost" }],
    ["AR", { type: "technical", event: "power_restored" }],
    ["YT", { type: "technical", event: "low_battery" }],
    ["XT", { type: "technical", event: "low_battery" }],
    ["XQ", { type: "technical", event: "radio_jamming" }],
    ["YC", { type: "technical", event: "communication_failure" }],
    ["LT", { type: "technical", event: "communication_failure" }],
    ["YK", { type: "technical", event: "communication_restored" }],
    ["XM", { type: "technical", event: "sensor_supervision_lost" }],
    ["TA", { type: "technical", event: "tamper" }],
    ["RP", { type: "technical", event: "periodic_test" }]
  ])("SIA %s", (code, expected) => {
    const d = sia(code)
    expect(head(d)).toEqual(expected)
    expect(d.payload).toMatchObject({ code: `SIA:${code}`, mappedBy: "table", zone: "3" })
  })

  it.each([
    ["1", "118", { type: "sensor", sensor: "smoke", state: "triggered" }],
    ["3", "118", { type: "sensor", sensor: "smoke", state: "restored" }],
    ["1", "130", { type: "safety_alarm", trigger: "button" }],
    ["1", "199", { type: "safety_alarm", trigger: "button" }],
    ["3", "199", { type: "technical", event: "heartbeat" }],
    ["1", "200", { type: "technical", event: "sensor_supervision_lost" }],
    ["1", "373", { type: "technical", event: "sensor_supervision_lost" }],
    ["3", "373", { type: "technical", event: "communication_restored" }],
    ["1", "401", { type: "technical", event: "heartbeat" }],
    ["1", "570", { type: "technical", event: "heartbeat" }],
    ["1", "607", { type: "technical", event: "periodic_test" }],
    ["1", "9AF", { type: "technical", event: "heartbeat" }]
  ])("an unmapped Contact ID %s %s becomes an event by its class", (q, code, expected) => {
    const d = cid(q, code)
    expect(head(d)).toEqual(expected)
    expect(d.payload).toMatchObject({ code: `CID:${q}${code}`, mappedBy: "class" })
  })

  it.each([
    ["FX", { type: "technical", event: "periodic_test" }],
    ["BA", { type: "safety_alarm", trigger: "button" }],
    ["KZ", { type: "technical", event: "sensor_supervision_lost" }],
    ["UA", { type: "safety_alarm", trigger: "button" }],
    ["UR", { type: "technical", event: "heartbeat" }],
    ["OP", { type: "technical", event: "heartbeat" }],
    ["WT", { type: "technical", event: "sensor_supervision_lost" }]
  ])("an unmapped SIA code %s becomes an event by its letters", (code, expected) => {
    const d = sia(code)
    expect(head(d)).toEqual(expected)
    expect(d.payload).toMatchObject({ mappedBy: "class" })
  })

  it("every table entry gives a valid canonical event", () => {
    const check = (drafts: ReturnType<typeof draftsOf>) => {
      for (const d of drafts) expect(Schema.is(DeviceEvent)({ ...d, tenant: "demo", deviceId: "alarm-000001" })).toBe(true)
    }
    for (const code of Object.keys(DefaultCodeTable.contactId)) for (const q of ["1", "3", "6"]) check(draftsOf(`"ADM-CID"0001L0#1234[#1234|${q}${code} 00 000]`))
    for (const code of Object.keys(DefaultCodeTable.sia)) check(draftsOf(`"SIA-DCS"0001L0#1234[#1234|N${code}]`))
  })
})
