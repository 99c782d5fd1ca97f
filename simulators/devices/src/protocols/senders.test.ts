import { describe, expect, it } from "@effect/vitest"
import { createHmac } from "node:crypto"
import { clientDropsPosition, jsonRequest, queryRequest } from "./osmand-client.ts"
import { encodeMrq, readMrs, scaipTime, shouldResend } from "./scaip-device.ts"
import { dispenserDelivery, sensorDelivery } from "./webhook-sender.ts"

const at = Date.parse("2026-11-25T21:04:05.120Z")

describe("simulated SCAIP unit", () => {
  it("writes SS 91100's template order with padded codes, or a unit's own style", () => {
    expect(encodeMrq({ ref: "R1", cid: "678", dty: 11, stc: 81 })).toBe("<mrq><ref>R1</ref><cid>678</cid><dty>0011</dty><stc>0081</stc></mrq>")
    expect(encodeMrq({ ref: "R1", cid: "678", dty: 3, stc: 10, lte: "Kjøkken & bad" }, { padCodes: false, declaration: true })).toBe(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<mrq><ref>R1</ref><cid>678</cid><dty>3</dty><stc>10</stc><lte>Kjøkken &amp; bad</lte></mrq>"
    )
  })

  it("writes the device time as SS 91100 asks: local time with the zone in hours", () => {
    expect(scaipTime(at, 1)).toBe("2026-11-25T22:04:05+01")
    expect(scaipTime(at, -5)).toBe("2026-11-25T16:04:05-05")
  })

  it("resends while unanswered or on hold, and stops on any other status", () => {
    expect(readMrs("<mrs><ref>R1</ref><snu>4</snu></mrs>")).toEqual({ ref: "R1", snu: 4 })
    expect([undefined, { snu: 4 }, { snu: 0 }, { snu: 5 }].map(shouldResend)).toEqual([true, true, false, false])
  })
})

describe("simulated Traccar client", () => {
  it("sends speed in knots and time in Unix seconds in the query form, m/s and a 0-1 battery in JSON", () => {
    const fix = { deviceId: "123456", epochMs: at, lat: 59.9, lon: 10.7, speedMps: 10, batteryPct: 64 }
    const url = new URL(`http://x${queryRequest(fix).url}`)
    expect(Number(url.searchParams.get("speed"))).toBeCloseTo(19.43844, 6)
    expect(url.searchParams.get("timestamp")).toBe(String(Math.floor(at / 1000)))
    const body = JSON.parse(jsonRequest(fix).body)
    expect(body).toMatchObject({ device_id: "123456", location: { coords: { speed: 10 }, battery: { level: 0.64 } } })
    expect([200, 400, 503].map(clientDropsPosition)).toEqual([true, false, false])
  })
})

describe("simulated vendor platforms", () => {
  it("signs a dispenser delivery as hex HMAC-SHA256 of '<ms timestamp>.<body>'", () => {
    const request = dispenserDelivery([{ transactionId: "1", serial: "DSP-1", measurement: "lid_open", atMs: at }], "s3cret", at)
    expect(request.headers["x-timestamp"]).toBe(String(at))
    expect(request.headers["x-signature"]).toBe(createHmac("sha256", "s3cret").update(`${at}.${request.body}`).digest("hex"))
  })

  it("signs a sensor delivery as Standard Webhooks, one v1 signature per secret", () => {
    const request = sensorDelivery([{ id: "evt_1", sensorSerial: "SNS-1", type: "sensor.detection.fall", happenedAtMs: at }], ["a", "b"], at, "msg_1")
    const ts = String(Math.floor(at / 1000))
    const sig = (k: string) => `v1,${createHmac("sha256", k).update(`msg_1.${ts}.${request.body}`).digest("base64")}`
    expect(request.headers).toMatchObject({ "webhook-id": "msg_1", "webhook-timestamp": ts, "webhook-signature": `${sig("a")} ${sig("b")}` })
  })
})
