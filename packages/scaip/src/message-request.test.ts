import { describe, expect, it } from "@effect/vitest"
import { Result } from "effect"
import { parseMessageRequest, type MessageRequest } from "./message-request.ts"

const bytes = (text: string) => new TextEncoder().encode(text)
const request = (text: string): MessageRequest => {
  const parsed = parseMessageRequest(bytes(text))
  if (Result.isFailure(parsed)) throw new Error(`refused: ${parsed.failure.reason}`)
  return parsed.success
}

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
