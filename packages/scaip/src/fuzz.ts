import { Result } from "effect"
import { scaipDeviceEvent } from "./device-event.ts"
import { parseMessageRequest } from "./message-request.ts"
import { encodeMessageResponse, responseFor } from "./message-response.ts"

const FuzzDevice = { tenant: "fuzz", deviceId: "fuzz-device" }
const FuzzNowMs = Date.parse("2026-11-25T21:04:05.120Z")

/**
 * One input through the whole codec: parse, map to a canonical event for a registered device, and
 * encode the answer. Returns what became of it ("event:<type>" or "refused:<kind>"); it never throws,
 * which is what a fuzz run of any length checks. For the benchmark and the property tests.
 */
export const fuzzScaip = (input: Uint8Array): string => {
  const parsed = parseMessageRequest(input)
  if (Result.isFailure(parsed)) {
    encodeMessageResponse(responseFor({ kind: "refused", refusal: parsed.failure }))
    return `refused:${parsed.failure.kind}`
  }
  const event = scaipDeviceEvent(parsed.success, FuzzDevice, FuzzNowMs, new TextDecoder().decode(input))
  if (Result.isFailure(event)) return `refused:${event.failure.kind}`
  encodeMessageResponse(responseFor({ kind: "stored", ref: parsed.success.ref }))
  return `event:${event.success.type}`
}
