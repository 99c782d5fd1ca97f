import { Clock, Effect, Option, Redacted, Schema } from "effect"
import { DeviceEvent } from "@wt/contracts"
import { type Frame, type FrameHeader, parseFrame, type ParseResult, replyFor, type SplitItem, toDeviceEventDrafts } from "@wt/dc09"
import { acceptFrame, admitFrame, countFrame, type IngestLimits, recordAnswered, refuseFrame } from "@wt/intake"
import type { Nats } from "@wt/nats"
import { DeviceIdentities, type IdentifiedDevice } from "@wt/registry"

const decodeEvent = Schema.decodeUnknownExit(DeviceEvent)
const latin1 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1")

const keyBytes = (device: IdentifiedDevice): Uint8Array | undefined =>
  device.key === undefined ? undefined : new Uint8Array(Buffer.from(Redacted.value(device.key), "hex"))

/** A unit bound to a receiver number or line must send with them; one that does not is not that unit. */
const boundElsewhere = (device: IdentifiedDevice, header: FrameHeader): boolean =>
  (device.receiver !== undefined && device.receiver !== (header.receiver ?? "").toUpperCase()) ||
  (device.line !== undefined && device.line !== header.line.toUpperCase())

const headerOf = (result: ParseResult): FrameHeader | undefined => (result._tag === "Parsed" ? result.frame : result.header)

/**
 * One DC-09 frame (a TCP frame or a UDP datagram), start to answer:
 * 1. read it; a damaged frame (no framing, wrong CRC or length) is not answered, so the unit
 *    sends it again, as the standard wants;
 * 2. find the unit by its account; an unknown account, or one bound to another receiver or
 *    line, is answered DUH (the receiver cannot process it), as is an undecryptable frame;
 *    an encrypted frame whose time is outside the window is answered NAK with our time;
 * 3. store its events (a link test is a heartbeat: a sign of life for supervision);
 * 4. only then ACK, encrypted when the frame was.
 * Every refusal is counted and kept in WT_DLQ with the frame's bytes. Nothing here fails.
 */
export const receiveDc09Frame = Effect.fnUntraced(function*(bytes: Uint8Array, arrivedAt: number): Effect.fn.Return<Uint8Array | undefined, never, DeviceIdentities | IngestLimits | Nats> {
  const identities = yield* DeviceIdentities
  const now = yield* Clock.currentTimeMillis
  const refuse = (result: ParseResult & { readonly _tag: "Refused" }, tenant?: string) =>
    refuseFrame({
      protocol: "dc09",
      reasonKind: result.reason,
      reason: `DC-09 frame refused (${result.reason}): ${result.detail}`,
      raw: bytes,
      ...(tenant === undefined ? {} : { tenant })
    })
  const answer = (reply: ReturnType<typeof replyFor>) =>
    reply.kind === "none" ? Effect.succeed(undefined) : Effect.as(recordAnswered("dc09", arrivedAt), reply.bytes)

  // Read once without keys: enough for the account (an encrypted frame's header is plain).
  const first = parseFrame(bytes, { now, keyFor: () => undefined })
  const header = headerOf(first)
  if (header === undefined) {
    if (first._tag === "Refused") yield* refuse(first)
    return undefined
  }
  const device = yield* identities.find("dc09", header.account).pipe(
    Effect.catch((e) => Effect.as(Effect.logError("registry lookup failed; frame left unanswered for the unit to retry", e), undefined))
  )
  if (device === undefined) return undefined
  if (Option.isNone(device) || boundElsewhere(device.value, header)) {
    yield* refuseFrame({
      protocol: "dc09",
      reasonKind: "unknown_account",
      reason: Option.isNone(device)
        ? `DC-09 account ${header.account} is not registered`
        : `DC-09 account ${header.account} sent with receiver ${header.receiver ?? "-"} line ${header.line}, not the ones it is registered with`,
      raw: bytes,
      ...(Option.isSome(device) ? { tenant: device.value.tenant } : {})
    })
    return yield* answer(replyFor({ _tag: "Refused", reason: "malformed", detail: "", header }, { now, keyFor: () => undefined }))
  }
  const unit = device.value
  const key = keyBytes(unit)
  const keyFor = () => key
  // With the unit's key (an account with a key must encrypt): decrypted, or refused for want of it.
  const result = key === undefined ? first : parseFrame(bytes, { now, keyFor })
  if (result._tag === "Refused") {
    yield* refuse(result, unit.tenant)
    return yield* answer(replyFor(result, { now, keyFor }))
  }
  const stored = yield* storeFrame(result.frame, unit, bytes)
  // Not stored (or over its rate limit): no answer, so the unit repeats the frame (its id makes the repeat land once).
  if (stored === "not_stored" || stored === "limited") return undefined
  if (stored === "not_canonical") return yield* answer(replyFor({ _tag: "Refused", reason: "malformed", detail: "", header }, { now, keyFor }))
  return yield* answer(replyFor(result, { now, keyFor }))
})

/**
 * Stores every event the frame carries: `stored` once all are in JetStream. A frame over its
 * device's rate limit stores nothing (`limited`): unanswered, like a store that is down, so the
 * unit repeats it later; DC-09 has no "busy" of its own.
 */
const storeFrame = Effect.fnUntraced(function*(frame: Frame, unit: IdentifiedDevice, bytes: Uint8Array): Effect.fn.Return<"stored" | "not_stored" | "not_canonical" | "limited", never, IngestLimits | Nats> {
  const receivedAt = new Date(yield* Clock.currentTimeMillis).toISOString()
  const drafts = toDeviceEventDrafts(frame, receivedAt)
  const events: Array<DeviceEvent> = []
  for (const draft of drafts) {
    const event = { ...draft, tenant: unit.tenant, deviceId: unit.deviceId }
    const checked = decodeEvent(event)
    if (checked._tag === "Failure") {
      // The codec made something the contract refuses: a bug of ours, kept for a person to see.
      yield* refuseFrame({ protocol: "dc09", reasonKind: "not_canonical", reason: `no canonical event: ${String(checked.cause)}`, raw: bytes, tenant: unit.tenant })
      return "not_canonical"
    }
    // The event as built, not the decoded copy: decoding drops the payload fields the contract does
    // not name, and the frame's code, zone, code-table version and location ride in those.
    events.push(event as DeviceEvent)
  }
  if (events.length > 0 && (yield* admitFrame("dc09", events, bytes))._tag === "Limited") return "limited"
  for (const event of events) {
    const ok = yield* acceptFrame("dc09", event).pipe(
      Effect.as(true),
      Effect.catch((e) => Effect.as(Effect.logError("DC-09 event not stored; frame left unanswered for the unit to retry", e), false))
    )
    if (!ok) return "not_stored"
  }
  if (frame.messageId === "NULL") yield* countFrame("dc09", "link_test")
  return "stored"
})

/** One item of a TCP connection: a frame, or bytes that were no frame (kept, never answered). */
export const receiveDc09Item = (item: SplitItem, arrivedAt: number): Effect.Effect<Uint8Array | undefined, never, DeviceIdentities | IngestLimits | Nats> =>
  item._tag === "Frame"
    ? receiveDc09Frame(item.bytes, arrivedAt)
    : Effect.as(
      refuseFrame({
        protocol: "dc09",
        reasonKind: item.reason,
        reason: `${item.length} bytes on a DC-09 connection were no frame (${item.reason}): ${JSON.stringify(latin1(item.sample).slice(0, 80))}`,
        raw: item.sample
      }),
      undefined
    )
