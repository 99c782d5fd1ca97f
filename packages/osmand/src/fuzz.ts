import { Result } from "effect"
import { osmandDeviceEvents } from "./device-events.ts"
import { osmandHttpAnswer } from "./http-answer.ts"
import { parseOsmAndRequest } from "./report.ts"

const FuzzDevice = { tenant: "fuzz", deviceId: "fuzz-tracker" }
const FuzzNowMs = Date.parse("2026-11-25T21:04:05.120Z")

/**
 * One input through the whole codec: read as a query-string request (`/?` + the bytes as the URL's
 * query, Latin-1) and as a JSON body, map each to events for a registered device, and pick the HTTP
 * answer. Returns what became of both readings ("<query outcome> <json outcome>", each "events:<types>" or
 * "refused:<kind>"); never throws.
 */
export const fuzzOsmAnd = (input: Uint8Array): string => {
  const outcomes: Array<string> = []
  for (const request of [
    { url: `/?${new TextDecoder("latin1").decode(input)}`, body: new Uint8Array(0) },
    { url: "/", contentType: "application/json", body: input }
  ]) {
    const report = parseOsmAndRequest(request, FuzzNowMs)
    if (Result.isFailure(report)) {
      osmandHttpAnswer({ kind: "refused", refusal: report.failure })
      outcomes.push(`refused:${report.failure.kind}`)
      continue
    }
    const events = osmandDeviceEvents(report.success, FuzzDevice, FuzzNowMs)
    if (Result.isFailure(events)) {
      outcomes.push(`refused:${events.failure.kind}`)
      continue
    }
    osmandHttpAnswer({ kind: "stored" })
    outcomes.push(`events:${events.success.map((e) => e.type).join(",")}`)
  }
  return outcomes.join(" ")
}
