import { describe, expect, it } from "@effect/vitest"
import { DeviceEvent, EventId, laneOfEvent } from "@wt/contracts"
import { Result, Schema } from "effect"
import { scaipDeviceEvent, scaipDeviceKeys, scaipEventId } from "./device-event.ts"
import { parseMessageRequest, type MessageRequest } from "./message-request.ts"
import { ScaipStatusMapVersion } from "./status-map.ts"

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
    expect(Result.isFailure(built) && built.failure).toMatchObject({ kind: "invalid_event", snu: 99 })
  })
})
