import { Result } from "effect"
import { scaipDeviceEvent } from "./device-event.ts"
import { parseMessageRequest } from "./message-request.ts"
import { encodeMessageResponse, responseFor } from "./message-response.ts"
import { parseSipMessage, scaipBodyOf, sipResponse, SipStreamSplitter } from "./sip.ts"

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

/**
 * The SIP carriage of the same codec: the input as a TCP stream (framed by Content-Length) and as one
 * UDP datagram, each SIP MESSAGE answered and its SCAIP body run through `fuzzScaip`. Returns what
 * became of the datagram reading; never throws.
 */
export const fuzzScaipSip = (input: Uint8Array): string => {
  const splitter = new SipStreamSplitter()
  for (const item of [...splitter.push(input), ...splitter.end()]) {
    if (item.kind === "message") readOne(item.bytes, "tcp")
  }
  return readOne(input, "udp")
}

const readOne = (bytes: Uint8Array, transport: "tcp" | "udp"): string => {
  const message = parseSipMessage(bytes, transport)
  if (Result.isFailure(message)) return `refused:sip_${message.failure.kind}`
  sipResponse(message.success, 200, "OK", { toTag: "fuzz" })
  const body = scaipBodyOf(message.success)
  if (Result.isFailure(body)) return `refused:sip_${body.failure.kind}`
  return fuzzScaip(body.success)
}
