import { describe, expect, it } from "@effect/vitest"
import { readStatus } from "./status-map.ts"

describe("SCAIP status table", () => {
  it.each([
    ["manual alarm from a pendant", "ME", "0003", "0010", { type: "safety_alarm", payload: { trigger: "pendant" } }],
    ["manual alarm from a fixed trigger", "ME", "0004", "0010", { type: "safety_alarm", payload: { trigger: "button" } }],
    ["automatic alarm from a fall detector", "ME", "0005", "0009", { type: "safety_alarm", payload: { trigger: "fall_detector" } }],
    ["status omitted (alarm assumed) from a fall detector", "ME", "0005", undefined, { type: "safety_alarm", payload: { trigger: "fall_detector" } }],
    ["pill not taken", "ME", "0011", "0081", { type: "medication", payload: { event: "dose_missed" } }],
    ["pill taken", "ME", "0011", "0083", { type: "medication", payload: { event: "dose_taken" } }],
    ["dispenser jammed", "ME", "0011", "0052", { type: "medication", payload: { event: "dispenser_jammed" } }],
    ["battery low from any device", "ME", "0003", "0016", { type: "technical", payload: { event: "low_battery" } }],
    ["smoke detector alarm", "ME", "0023", "0009", { type: "sensor", payload: { sensor: "smoke", state: "triggered" } }],
    ["smoke detector restoral", "ME", "0023", "0094", { type: "sensor", payload: { sensor: "smoke", state: "restored" } }],
    ["carbon monoxide (to the fire service as smoke)", "ME", "0026", "0009", { type: "sensor", payload: { sensor: "smoke", state: "triggered", hazard: "carbon monoxide" } }],
    ["door open", "ME", "0014", "0076", { type: "sensor", payload: { sensor: "door", state: "opened" } }],
    ["door closed", "ME", "0014", "0021", { type: "sensor", payload: { sensor: "door", state: "closed" } }],
    ["bed monitor: absent", "ME", "0012", "0003", { type: "sensor", payload: { sensor: "bed", state: "left_bed" } }],
    ["bed monitor: lying in bed", "ME", "0012", "0117", { type: "sensor", payload: { sensor: "bed", state: "returned_to_bed" } }],
    ["flood detector", "ME", "0033", "0009", { type: "sensor", payload: { sensor: "water", state: "triggered" } }],
    ["epilepsy detector", "ME", "0017", "0009", { type: "sensor", payload: { sensor: "epilepsy", state: "triggered" } }],
    ["mains lost", "ME", "0002", "0085", { type: "technical", payload: { event: "power_lost" } }],
    ["mobile link re-established", "ME", "0002", "0113", { type: "technical", payload: { event: "communication_restored" } }],
    ["test transmission", "ME", "0002", "0102", { type: "technical", payload: { event: "periodic_test" } }],
    ["heartbeat (PI) whatever its status", "PI", "0002", "0009", { type: "technical", payload: { event: "heartbeat" } }],
    ["a malfunction", "ME", "0005", "0067", { type: "technical", payload: { event: "sensor_supervision_lost", fault: "malfunction" } }],
    ["bookkeeping (executed)", "ME", "0002", "0041", { type: "technical", payload: { event: "heartbeat", status: "executed" } }]
  ] as const)("%s", (_, mty, dty, stc, expected) => {
    const reading = readStatus(mty, dty, stc)
    expect(reading.outcome).toMatchObject(expected)
    expect(reading.unmapped).toBe(false)
  })

  it("reads a code it does not know from a care device as that device's alarm, marked unmapped", () => {
    expect(readStatus("ME", "0003", "0950")).toMatchObject({ outcome: { type: "safety_alarm", payload: { trigger: "pendant" } }, unmapped: true })
    expect(readStatus("ME", "0017", "4711")).toMatchObject({ outcome: { type: "sensor", payload: { sensor: "epilepsy" } }, unmapped: true })
  })

  it("reads a code it does not know from a technical device as lost supervision, marked unmapped", () => {
    expect(readStatus("ME", "0040", "0950")).toMatchObject({ outcome: { type: "technical", payload: { event: "sensor_supervision_lost" } }, unmapped: true })
  })
})
