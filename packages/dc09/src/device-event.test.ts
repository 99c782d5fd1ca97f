import { describe, expect, it } from "@effect/vitest"
import { DeviceEvent, deviceEventKey } from "@wt/contracts"
import { Schema } from "effect"
import { contactIdData, encodeDc09, siaDcsData } from "../../../simulators/devices/src/protocols/dc09-transmitter.ts"
import { eventIdOf, type Frame, frameOf, parseFrame, senderIdentity, toDeviceEventDrafts } from "./index.ts"

const now = Date.UTC(2026, 11, 1, 12, 0, 0)
const receivedAt = new Date(now + 150).toISOString()
const key = Uint8Array.from({ length: 24 }, (_, i) => 200 - i)
const keyFor = (account: string) => (account === "C0FFEE" ? key : undefined)
const EventIdPattern = /^[A-Za-z0-9][A-Za-z0-9_.:-]{7,127}$/u

const frameOfBytes = (bytes: Uint8Array | string, at = now): Frame => {
  const result = parseFrame(bytes, { now: at, keyFor })
  if (result._tag !== "Parsed") throw new Error(`refused: ${result.reason} ${result.detail}`)
  return result.frame
}

describe("canonical drafts", () => {
  it("a pendant press becomes a safety alarm with the frame's time, the raw frame and the code", () => {
    const bytes = encodeDc09({ type: "ADM-CID", sequence: 31, receiver: "2", line: "1", account: "4F39", data: contactIdData("4F39", { qualifier: 1, code: "101", partition: "01", zone: "004" }), timestamp: new Date(now - 3000) })
    const [draft, ...more] = toDeviceEventDrafts(frameOfBytes(bytes), receivedAt)
    expect(more).toEqual([])
    expect(draft).toEqual({
      id: expect.stringMatching(/^dc09-0031-[0-9a-f]{16}$/u),
      occurredAt: new Date(now - 3000).toISOString(),
      receivedAt,
      source: { via: "dc09", raw: String.fromCharCode(...bytes) },
      type: "safety_alarm",
      payload: {
        trigger: "pendant",
        code: "CID:1101",
        meaning: "personal emergency (pendant)",
        mappedBy: "table",
        codeTable: "dc09-codes/2026-12",
        messageId: "ADM-CID",
        qualifier: "new",
        partition: "01",
        zone: "004"
      }
    })
    expect(Schema.is(DeviceEvent)({ ...draft, tenant: "demo", deviceId: "alarm-1" })).toBe(true)
  })

  it("a link test is a technical heartbeat; without a timestamp it occurred when received", () => {
    const [draft] = toDeviceEventDrafts(frameOfBytes(encodeDc09({ type: "NULL", sequence: 0, line: "0", account: "000" })), receivedAt)
    expect(draft).toMatchObject({ type: "technical", payload: { event: "heartbeat", code: "NULL" }, occurredAt: receivedAt })
  })

  it("an unencrypted frame stamped outside the window occurred when received and keeps the device's time", () => {
    const bytes = encodeDc09({ type: "SIA-DCS", sequence: 3, line: "0", account: "1234", data: siaDcsData("1234", [{ code: "FA", zone: "129" }]), timestamp: new Date(now - 7_200_000) })
    const [draft] = toDeviceEventDrafts(frameOfBytes(bytes), receivedAt)
    expect(draft.occurredAt).toBe(receivedAt)
    expect(draft.payload).toMatchObject({ deviceTime: "10:00:00,12-01-2026", clockSkewS: -7200, sensor: "smoke", state: "triggered" })
  })

  it("a message with several SIA events gives one event each, with distinct ids", () => {
    const bytes = encodeDc09({ type: "SIA-DCS", sequence: 9, line: "0", account: "1234", data: siaDcsData("1234", [{ code: "FA", zone: "1" }, { code: "QA", zone: "2", area: "1" }]) })
    const drafts = toDeviceEventDrafts(frameOfBytes(bytes), receivedAt)
    expect(drafts.map((d) => d.type)).toEqual(["sensor", "safety_alarm"])
    expect(new Set(drafts.map((d) => d.id)).size).toBe(2)
    expect(drafts[1]?.payload).toMatchObject({ zone: "2", partition: "1" })
  })

  it("extended X/Y data becomes a location, a differing account in the data is kept", () => {
    const bytes = encodeDc09({ type: "SIA-DCS", sequence: 9, line: "0", account: "1234", data: siaDcsData("5678", [{ code: "QA" }]), extended: ["X10.7522", "Y59.9139"] })
    expect(toDeviceEventDrafts(frameOfBytes(bytes), receivedAt)[0].payload).toMatchObject({ location: { lat: 59.9139, lon: 10.7522 }, dataAccount: "5678" })
  })

  it("senderIdentity is the receiver, line and account of the header", () => {
    const frame = frameOfBytes(frameOf(`"SIA-DCS"0001RF3L77#1234[#1234|NRR|Atest]`).text)
    expect(senderIdentity(frame)).toEqual({ receiver: "F3", line: "77", account: "1234" })
  })
})

describe("event identity", () => {
  const alarm = (sequence: number, timestamp: Date, data = contactIdData("C0FFEE", { qualifier: 1, code: "101", zone: "001" })) =>
    encodeDc09({ type: "ADM-CID", sequence, line: "3", account: "C0FFEE", data, timestamp, key })

  it("a retransmission with the same sequence collapses: new pad, refreshed timestamp, same id and key", () => {
    const first = frameOfBytes(alarm(17, new Date(now - 10_000)))
    const retry = frameOfBytes(alarm(17, new Date(now + 5_000)))
    expect(first.text).not.toBe(retry.text)
    expect(eventIdOf(retry)).toBe(eventIdOf(first))
    const key1 = deviceEventKey({ tenant: "demo", deviceId: "alarm-1", id: toDeviceEventDrafts(first, receivedAt)[0].id })
    const key2 = deviceEventKey({ tenant: "demo", deviceId: "alarm-1", id: toDeviceEventDrafts(retry, receivedAt)[0].id })
    expect(key2).toBe(key1)
  })

  it("a new sequence or new data is a new event", () => {
    const base = eventIdOf(frameOfBytes(alarm(17, new Date(now))))
    expect(eventIdOf(frameOfBytes(alarm(18, new Date(now))))).not.toBe(base)
    expect(eventIdOf(frameOfBytes(alarm(17, new Date(now), contactIdData("C0FFEE", { qualifier: 3, code: "101", zone: "001" }))))).not.toBe(base)
  })

  it("link tests of a transmitter that always sends sequence 0000 stay distinct by their timestamp", () => {
    const hb = (t: number) => eventIdOf(frameOfBytes(encodeDc09({ type: "NULL", sequence: 0, line: "0", account: "000", timestamp: new Date(t) }), t))
    expect(hb(now)).not.toBe(hb(now + 60_000))
  })

  it("link tests without a timestamp, always sequence 0000, stay distinct by the second they were received (interop B2: dc09_spt polls this way)", () => {
    const poll = frameOfBytes(encodeDc09({ type: "NULL", sequence: 0, line: "0", account: "000" }), now)
    const drafted = (t: number) => toDeviceEventDrafts(poll, new Date(t).toISOString())[0].id
    expect(drafted(now)).not.toBe(drafted(now + 20_000))
    expect(drafted(now)).toBe(drafted(now + 300))
  })

  it("ids match the contract's EventId pattern", () => {
    expect(eventIdOf(frameOfBytes(alarm(0, new Date(now))))).toMatch(EventIdPattern)
  })
})
