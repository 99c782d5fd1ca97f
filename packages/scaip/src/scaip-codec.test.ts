import { describe, expect, it } from "@effect/vitest"
import { DeviceEvent, EventId, laneOfEvent } from "@wt/contracts"
import { Result, Schema } from "effect"
import { scaipDeviceEvent, scaipDeviceKeys, scaipEventId } from "./device-event.ts"
import { parseMessageRequest, type MessageRequest } from "./message-request.ts"
import { encodeMessageResponse, responseFor } from "./message-response.ts"
import { readStatus, ScaipStatusMapVersion } from "./status-map.ts"

const bytes = (text: string) => new TextEncoder().encode(text)
const device = { tenant: "demo", deviceId: "alarm-000123" }
const now = Date.parse("2026-11-25T21:04:05.120Z")

const request = (text: string): MessageRequest => {
  const parsed = parseMessageRequest(bytes(text))
  if (Result.isFailure(parsed)) throw new Error(`refused: ${parsed.failure.reason}`)
  return parsed.success
}
const eventOf = (text: string) => {
  const event = scaipDeviceEvent(request(text), device, now, text)
  if (Result.isFailure(event)) throw new Error(`refused: ${event.failure.reason}`)
  return event.success
}
const isEventId = Schema.is(EventId)
const isDeviceEvent = Schema.is(DeviceEvent)

describe("SCAIP Message Request", () => {
  it("reads the SS 91100:2014 §9.1 example (codes padded, omitted elements defaulted)", () => {
    const mrq = request("<mrq>\n  <ref>1234</ref>\n  <cid>123456</cid>\n  <dty>0001</dty>\n  <stc>001</stc>\n</mrq>")
    expect(mrq).toMatchObject({ ref: "1234", cid: "123456", dty: "0001", stc: "0001", mty: "ME", ver: "01.00", pri: 0, sco: "0", cha: "0", crd: [] })
  })

  it.each([
    // SIS-TR 91102:2016 examples 1-3
    ["TR 91102 non-voice alarm", "<mrq><ref>1242</ref><cid>678</cid><dty>27</dty><stc>16</stc></mrq>", { ref: "1242", dty: "0027", stc: "0016", mty: "ME" }],
    ["TR 91102 voice alarm", "<mrq><ref>1243</ref><cid>678</cid><dty>2</dty></mrq>", { ref: "1243", dty: "0002", mty: "ME" }],
    ["TR 91102 heartbeat", "<mrq><ref>1244</ref><mty>PI</mty><cid>678</cid><dty>2</dty></mrq>", { mty: "PI" }],
    // Units seen in the field (public integration notes): padding and order vary, cid may carry spaces.
    ["a Doro unit", "<mrq><ref>803137200003</ref><mty>ME</mty><cid> 8031372</cid><dty>0004</dty><stc>0010</stc><crd>gsm:+</crd></mrq>", { cid: "8031372", dty: "0004", stc: "0010", crd: ["gsm:+"] }],
    ["a Possum unit", "<mrq><ref>1193308443</ref><cid>10149471</cid><dty>3</dty><stc>10</stc><crd>gsm:</crd></mrq>", { dty: "0003", stc: "0010" }],
    ["a Telealarm heartbeat", "<mrq><ref>v6l7eiuzBTfybE7j</ref><cid>999998</cid><dty>0002</dty><mty>PI</mty><stc>0009</stc><lco>002</lco><crd>gsm:</crd><cha>0</cha></mrq>", { ref: "v6l7eiuzBTfybE7j", mty: "PI", lco: "002" }],
    ["an Essence unit", "<mrq><ref>00001883</ref><cha>0</cha><mty>ME</mty><cid>26317</cid><dty>02</dty><did>00</did><crd>gsm:+37284463906</crd><stc>010</stc></mrq>", { did: "00", dty: "0002", stc: "0010" }]
  ])("reads %s", (_, text, expected) => {
    expect(request(text)).toMatchObject(expected)
  })

  it.each([
    ["<ref> missing", "<mrq><cid>1</cid><dty>3</dty></mrq>", "missing_reference", 10],
    ["<cid> missing", "<mrq><ref>A1</ref><dty>3</dty></mrq>", "missing_field", 7],
    ["<dty> missing", "<mrq><ref>A1</ref><cid>1</cid></mrq>", "missing_field", 7],
    ["<cid> not digits", "<mrq><ref>A1</ref><cid>12a</cid><dty>3</dty></mrq>", "invalid_field", 3],
    ["<ref> with a dash", "<mrq><ref>A-1</ref><cid>1</cid><dty>3</dty></mrq>", "invalid_field", 3],
    ["<ref> of 17 characters", "<mrq><ref>12345678901234567</ref><cid>1</cid><dty>3</dty></mrq>", "invalid_field", 3],
    ["<stc> of 5 digits", "<mrq><ref>A1</ref><cid>1</cid><dty>3</dty><stc>00010</stc></mrq>", "invalid_field", 3],
    ["an unknown <mty>", "<mrq><ref>A1</ref><cid>1</cid><dty>3</dty><mty>XX</mty></mrq>", "invalid_field", 3],
    ["<stc> twice", "<mrq><ref>A1</ref><cid>1</cid><dty>3</dty><stc>10</stc><stc>81</stc></mrq>", "duplicate_field", 3],
    ["an <mrs> sent as a request", "<mrs><ref>A1</ref><snu>0</snu></mrs>", "not_a_request", 2],
    ["broken XML", "<mrq><ref>A1</ref><cid>1</cid>", "malformed", 2],
    ["an oversized request", `<mrq><ref>A1</ref><cid>1</cid><dty>3</dty><ite>${"x".repeat(9000)}</ite></mrq>`, "too_large", 1]
  ])("refuses %s with a reason and its snu", (_, text, kind, snu) => {
    const parsed = parseMessageRequest(bytes(text))
    expect(Result.isFailure(parsed)).toBe(true)
    if (Result.isFailure(parsed)) {
      expect(parsed.failure).toMatchObject({ kind, snu })
      expect(parsed.failure.reason.length).toBeGreaterThan(0)
    }
  })

  it("echoes the reference of a request it could not read, when the reference is visible", () => {
    const parsed = parseMessageRequest(bytes("<mrq><ref>R77</ref><cid>1</cid><dty>3</dty>"))
    expect(Result.isFailure(parsed) && parsed.failure.ref).toBe("R77")
  })

  it("accepts over-long free texts with a warning instead of refusing the alarm", () => {
    const mrq = request(`<mrq><ref>A1</ref><cid>1</cid><dty>3</dty><lte>${"k".repeat(40)}</lte></mrq>`)
    expect(mrq.lte).toHaveLength(40)
    expect(mrq.warnings.join()).toContain("<lte>")
  })
})

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

describe("SCAIP canonical events", () => {
  it("turns the SS 91100 pendant alarm into a valid care alarm on the alarm lane, keeping the codes", () => {
    const text = "<mrq><ref>1193308443</ref><cid>10149471</cid><dty>3</dty><stc>10</stc><crd>gsm:</crd></mrq>"
    const event = eventOf(text)
    expect(isDeviceEvent(event)).toBe(true)
    expect(event).toMatchObject({
      tenant: "demo",
      deviceId: "alarm-000123",
      occurredAt: "2026-11-25T21:04:05.120Z",
      source: { via: "scaip", raw: text },
      type: "safety_alarm",
      payload: { trigger: "pendant", scaipStatus: "0010", scaipDeviceType: "0003", scaipMap: ScaipStatusMapVersion, unmapped: false }
    })
    expect(laneOfEvent(event)).toBe("alarm")
  })

  it("keeps an unmapped code in the payload and never drops the event", () => {
    const event = eventOf("<mrq><ref>X1</ref><cid>42</cid><dty>0003</dty><stc>0950</stc></mrq>")
    expect(event.payload).toMatchObject({ scaipStatus: "0950", scaipStatusMeaning: "not in SS 91100 Annex C", unmapped: true })
  })

  it("gives a retransmission the same event id, and an update or reset under the same reference a new one", () => {
    const me = "<mrq><ref>77</ref><cid>42</cid><dty>5</dty><stc>9</stc></mrq>"
    const again = "<?xml version='1.0'?>\n<mrq>\n <stc>0009</stc>\n <dty>0005</dty>\n <cid>42</cid>\n <ref>77</ref>\n</mrq>"
    const update = "<mrq><ref>77</ref><mty>IN</mty><cid>42</cid><dty>5</dty><stc>9</stc><lco>21</lco></mrq>"
    const reset = "<mrq><ref>77</ref><mty>RE</mty><cid>42</cid><dty>5</dty><stc>9</stc></mrq>"
    const ids = [me, again, update, reset].map((t) => scaipEventId(request(t)))
    expect(ids[0]).toBe(ids[1])
    expect(new Set(ids).size).toBe(3)
    for (const id of ids) expect(isEventId(id)).toBe(true)
  })

  it("fits the longest reference and controller id into the EventId pattern", () => {
    const id = scaipEventId(request(`<mrq><ref>${"Z".repeat(16)}</ref><cid>${"9".repeat(32)}</cid><dty>9999</dty></mrq>`))
    expect(isEventId(id)).toBe(true)
  })

  it("uses the device's time when it is plausible, and the receiver's time (keeping the device's) when not", () => {
    const at = eventOf("<mrq><ref>T1</ref><cid>1</cid><dty>3</dty><lge><tim>2026-11-25T22:03:00+01</tim></lge></mrq>")
    expect(at.occurredAt).toBe("2026-11-25T21:03:00.000Z")
    const wrong = eventOf("<mrq><ref>T2</ref><cid>1</cid><dty>3</dty><lge><tim>2011-01-01T00:00:00+01</tim></lge></mrq>")
    expect(wrong.occurredAt).toBe("2026-11-25T21:04:05.120Z")
    expect(wrong.payload).toMatchObject({ deviceTime: "2011-01-01T00:00:00+01" })
  })

  it("turns a tracking device's alarm with a position into a gps SOS on the alarm lane", () => {
    const event = eventOf("<mrq><ref>G1</ref><cid>5</cid><dty>0051</dty><stc>0010</stc><lco>034</lco><lge><geo>59.336111,18.072778</geo></lge></mrq>")
    expect(event).toMatchObject({ type: "gps", payload: { lat: 59.336111, lon: 18.072778, sos: true } })
    expect(laneOfEvent(event)).toBe("alarm")
    const blind = eventOf("<mrq><ref>G2</ref><cid>5</cid><dty>0051</dty><stc>0010</stc></mrq>")
    expect(blind).toMatchObject({ type: "safety_alarm", payload: { trigger: "button" } })
  })

  it("names where a sensor fired from the location code or text", () => {
    expect(eventOf("<mrq><ref>L1</ref><cid>1</cid><dty>14</dty><stc>76</stc><lco>39</lco></mrq>").payload).toMatchObject({ placement: "front door" })
  })

  it("looks a device up by controller and device id, then by controller", () => {
    expect(scaipDeviceKeys(request("<mrq><ref>1</ref><cid>42</cid><dty>3</dty><did>P2</did></mrq>"))).toEqual(["42/P2", "42"])
  })

  it("refuses to build an event for a device id the contract would not accept", () => {
    const built = scaipDeviceEvent(request("<mrq><ref>1</ref><cid>42</cid><dty>3</dty></mrq>"), { tenant: "demo", deviceId: "has.dots" }, now)
    expect(Result.isFailure(built) && built.failure.snu).toBe(99)
  })
})

describe("SCAIP Message Response", () => {
  it("answers the TR 91102 way: the reference echoed and snu 0 once stored", () => {
    expect(encodeMessageResponse(responseFor({ kind: "stored", ref: "1242" }))).toBe("<mrs><ref>1242</ref><snu>0</snu></mrs>")
    expect(encodeMessageResponse(responseFor({ kind: "duplicate", ref: "1242" }))).toBe("<mrs><ref>1242</ref><snu>0</snu></mrs>")
  })

  it.each([
    [{ kind: "store_timeout", ref: "9" } as const, 4],
    [{ kind: "store_unavailable", ref: "9" } as const, 6],
    [{ kind: "unknown_device", ref: "9" } as const, 5],
    [{ kind: "not_authorised", ref: "9" } as const, 5],
    [{ kind: "internal_error", ref: "9" } as const, 99]
  ])("answers %o with snu %i", (outcome, snu) => {
    expect(encodeMessageResponse(responseFor(outcome))).toContain(`<snu>${snu}</snu>`)
  })

  it("answers a refused request with its snu and an escaped reason", () => {
    const parsed = parseMessageRequest(bytes("<mrq><ref>A1</ref><dty>3</dty></mrq>"))
    if (!Result.isFailure(parsed)) throw new Error("expected a refusal")
    const xml = encodeMessageResponse(responseFor({ kind: "refused", refusal: parsed.failure }))
    expect(xml).toBe("<mrs><ref>A1</ref><snu>7</snu><ste>mandatory tag is missing: &lt;cid&gt; (controller id) is missing</ste></mrs>")
  })
})
