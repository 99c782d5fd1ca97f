import { describe, expect, it } from "@effect/vitest"
import { Result } from "effect"
import { parseMessageRequest } from "./message-request.ts"
import { encodeMessageResponse, responseFor } from "./message-response.ts"

const bytes = (text: string) => new TextEncoder().encode(text)

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
