import { Clock, Effect, Option, Result } from "effect"
import { acceptFrame, admitFrame, type IngestLimits, recordAnswered, refuseFrame } from "@wt/intake"
import type { Nats } from "@wt/nats"
import { DeviceIdentities, type IdentifiedDevice } from "@wt/registry"
import {
  encodeMessageResponse,
  type FrameItem,
  type MessageRequest,
  parseMessageRequest,
  type ReceiverOutcome,
  responseFor,
  scaipDeviceEvent,
  scaipDeviceKeys,
  StatusNumbers
} from "@wt/scaip"
import type { HttpAnswer, HttpFrame } from "./http-frames.ts"

const utf8 = new TextEncoder()
const text = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8")
const responseBytes = (outcome: ReceiverOutcome) => utf8.encode(encodeMessageResponse(responseFor(outcome)))

/** The registered device a request names: the most specific key first (controller/device, then controller). */
const findUnit = Effect.fnUntraced(function*(request: MessageRequest) {
  const identities = yield* DeviceIdentities
  for (const key of scaipDeviceKeys(request)) {
    const found = yield* identities.find("scaip", key)
    if (Option.isSome(found)) return found
  }
  return Option.none<IdentifiedDevice>()
})

/** Who sent a request, when the transport authenticated it: a SIP account, bound to one tenant's units or to all. */
export interface ScaipSender {
  readonly account?: string
  readonly tenant?: string
}

/**
 * One SCAIP `<mrq>` (the body of a SIP MESSAGE, over bare TCP, or the body of an HTTP POST), start to `<mrs>`: read it, find the
 * unit by its controller id (and device id), store its event, and only then answer `snu` 0. An
 * unknown unit is answered 5 (not treated) so it takes its next alarm action instead of waiting
 * on us; a store that is down is answered 6 (busy); a malformed request with the standard's own
 * status. Every refusal is counted and kept in WT_DLQ with the request's bytes; nothing here fails.
 */
export const receiveScaipRequest = Effect.fnUntraced(function*(
  bytes: Uint8Array,
  arrivedAt: number,
  sender: ScaipSender = {}
): Effect.fn.Return<Uint8Array, never, DeviceIdentities | IngestLimits | Nats> {
  const now = yield* Clock.currentTimeMillis
  const answered = (outcome: ReceiverOutcome) => Effect.as(recordAnswered("scaip", arrivedAt), responseBytes(outcome))
  const refused = (kind: string, reason: string, outcome: ReceiverOutcome, tenant?: string) =>
    Effect.as(
      refuseFrame({ protocol: "scaip", reasonKind: kind, reason: `SCAIP request refused (${kind}): ${reason}`, raw: bytes, ...(tenant === undefined ? {} : { tenant }) }),
      responseBytes(outcome)
    )

  const parsed = parseMessageRequest(bytes)
  if (Result.isFailure(parsed)) return yield* refused(parsed.failure.kind, parsed.failure.reason, { kind: "refused", refusal: parsed.failure })
  const request = parsed.success
  const unit = yield* findUnit(request).pipe(Effect.option)
  if (Option.isNone(unit)) return yield* answered({ kind: "store_unavailable", ref: request.ref })
  if (Option.isNone(unit.value)) {
    return yield* refused("unknown_device", `controller ${request.cid} is not registered`, { kind: "unknown_device", ref: request.ref })
  }
  const device = unit.value.value
  if (sender.tenant !== undefined && device.tenant !== sender.tenant) {
    // An account of one tenant's units speaking for another's: not treated, so the unit takes its next action.
    return yield* refused("not_authorised", `controller ${request.cid} is not a unit of the tenant its SIP account ${sender.account ?? ""} serves`, {
      kind: "not_authorised",
      ref: request.ref
    }, device.tenant)
  }
  const event = scaipDeviceEvent(request, { tenant: device.tenant, deviceId: device.deviceId }, now, text(bytes))
  if (Result.isFailure(event)) return yield* refused(event.failure.kind, event.failure.reason, { kind: "refused", refusal: event.failure }, device.tenant)
  const received = { ...event.success, receivedAt: new Date(now).toISOString() }
  // Over its rate limit: busy (snu 6), as for a store that is down; the unit sends it again later.
  if ((yield* admitFrame("scaip", [received], bytes))._tag === "Limited") return yield* answered({ kind: "store_unavailable", ref: request.ref })
  const stored = yield* acceptFrame("scaip", received).pipe(Effect.option)
  if (Option.isNone(stored)) return yield* answered({ kind: "store_unavailable", ref: request.ref })
  return yield* answered({ kind: stored.value.duplicate ? "duplicate" : "stored", ref: request.ref })
})

/** One item of a SCAIP TCP connection: a request, or a document too long to be one (kept, answered as too large). */
export const receiveScaipItem = (item: FrameItem, arrivedAt: number): Effect.Effect<Uint8Array, never, DeviceIdentities | IngestLimits | Nats> =>
  item.kind === "frame"
    ? receiveScaipRequest(item.bytes, arrivedAt)
    : Effect.as(
      refuseFrame({ protocol: "scaip", reasonKind: "too_large", reason: `SCAIP request refused (too_large): ${item.reason}`, raw: item.prefix }),
      responseBytes({ kind: "refused", refusal: { kind: "too_large", reason: item.reason, snu: StatusNumbers.messageTooLong } })
    )

/** SCAIP over HTTP: `POST` with the `<mrq>` as body, answered 200 with the `<mrs>` (whatever its status). */
export const receiveScaipHttp = (frame: HttpFrame, arrivedAt: number): Effect.Effect<HttpAnswer, never, DeviceIdentities | IngestLimits | Nats> =>
  frame.method !== "POST"
    ? Effect.as(
      refuseFrame({ protocol: "scaip", reasonKind: "malformed", reason: `SCAIP over HTTP takes POST, not ${frame.method}`, raw: utf8.encode(`${frame.method} ${frame.url}`) }),
      { status: 405, body: "POST the <mrq> as the request body" }
    )
    : Effect.map(receiveScaipRequest(frame.body, arrivedAt), (body) => ({ status: 200, contentType: "application/scaip+xml", body }))
