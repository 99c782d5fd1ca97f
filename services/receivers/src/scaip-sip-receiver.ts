import { Clock, Effect, Result } from "effect"
import { countFrame, type IngestLimits, refuseFrame } from "@wt/intake"
import type { Nats } from "@wt/nats"
import type { DeviceIdentities } from "@wt/registry"
import { parseSipMessage, scaipBodyOf, type SipMessage, sipHeader, type SipRefusal } from "@wt/scaip"
import { receiveScaipRequest } from "./scaip-receiver.ts"
import type { SipAuthenticator } from "./sip-accounts.ts"
import { AllowedMethods, answer, inflatedBody, missingHeader, mrsMessage, type SipFlow, type SipOutgoing, uriOf } from "./sip-wire.ts"

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1")
const utf8 = new TextDecoder()

/** Methods RFC 3261 and its extensions define, which this centre does not take (405); anything else is 501. */
const KnownMethods = new Set(["INVITE", "ACK", "BYE", "CANCEL", "INFO", "SUBSCRIBE", "NOTIFY", "PRACK", "UPDATE", "REFER", "PUBLISH"])

/** How long a registration holds at most: the unit registers again before it ends (RFC 3261 §10.2.1). */
const MaxRegistrationS = 3600

const keep = (reasonKind: string, reason: string, raw: Uint8Array) =>
  refuseFrame({ protocol: "scaip", reasonKind: `sip_${reasonKind}`, reason: `SCAIP over SIP refused (${reasonKind}): ${reason}`, raw })

/** A request refused with a SIP status: kept in WT_DLQ with its bytes, then answered. */
const refuse = (request: SipMessage, raw: Uint8Array, flow: SipFlow, status: number, phrase: string, reasonKind: string, reason: string, headers: ReadonlyArray<readonly [string, string]> = []) =>
  Effect.as(keep(reasonKind, reason, raw), [answer(request, flow, status, phrase, headers)])

type Authenticated = { readonly account?: string; readonly tenant?: string }

/**
 * SIP digest (see sip-accounts.ts): the first round is a 401 challenge, which is the protocol and not a
 * refusal (counted, not kept); wrong credentials are 403, kept. Authenticated: who it is.
 */
const authenticate = Effect.fnUntraced(function*(request: SipMessage, raw: Uint8Array, flow: SipFlow, auth: SipAuthenticator) {
  const verdict = auth.check(request, yield* Clock.currentTimeMillis)
  if (verdict._tag === "Authenticated") return Result.succeed<Authenticated>(verdict)
  if (verdict._tag === "Challenge") {
    yield* countFrame("scaip", verdict.reason === "stale_nonce" ? "sip_challenged_stale" : "sip_challenged")
    return Result.fail<ReadonlyArray<SipOutgoing>>([answer(request, flow, 401, "Unauthorized", [["WWW-Authenticate", verdict.header]])])
  }
  return Result.fail(yield* refuse(request, raw, flow, 403, "Forbidden", "auth_failed", `digest credentials refused (${verdict.reason})`))
})

/**
 * One SIP request to the SCAIP receiver, start to what goes back on its flow:
 * - MESSAGE with `application/scaip+xml` (SS 91100 §9.1; its body may be deflate or gzip compressed, SIS-TR
 *   91102 §7.6): authenticated, its `<mrq>` handled as on every
 *   transport (stored first, then `<mrs>` snu 0; unknown unit 5; busy 6; malformed 1/2/3/7/10), then
 *   answered SIP 200 and the `<mrs>` sent in a MESSAGE of ours (SIS-TR 91102 §7.5). The 200 only says the
 *   SIP request arrived; the `<mrs>` says what became of the alarm (TR 91102 §7.3);
 * - REGISTER: authenticated and accepted for up to an hour (we answer on the flow a unit's MESSAGE came
 *   in on, so we need no location database); OPTIONS (keep-alive, capability query): 200;
 * - ACK: nothing (it answers nothing); any other method 405 (known) or 501 (unknown), kept in WT_DLQ.
 * A request without the headers an answer needs is 400, or unanswerable without a Via; kept either way.
 * Nothing here fails.
 */
export const receiveSipRequest = Effect.fnUntraced(function*(
  request: SipMessage,
  raw: Uint8Array,
  flow: SipFlow,
  auth: SipAuthenticator,
  arrivedAt: number
): Effect.fn.Return<ReadonlyArray<SipOutgoing>, never, DeviceIdentities | IngestLimits | Nats> {
  const method = request.method ?? ""
  const missing = missingHeader(request)
  if (missing !== undefined) {
    if (sipHeader(request, "Via") === undefined) return yield* Effect.as(keep("malformed", `a ${method} without a Via: no address to answer`, raw), [])
    return yield* refuse(request, raw, flow, 400, `Missing or bad ${missing}`, "malformed", `a ${method} without a good ${missing}`)
  }
  switch (method) {
    case "ACK":
      // The unit's acknowledgement of a final answer to an INVITE we refused: never answered (RFC 3261 §17.2.1).
      return yield* Effect.as(countFrame("scaip", "sip_ack"), [])
    case "OPTIONS":
      return yield* Effect.as(countFrame("scaip", "sip_options"), [
        answer(request, flow, 200, "OK", [["Allow", AllowedMethods], ["Accept", "application/scaip+xml"], ["Accept-Encoding", "identity"]])
      ])
    case "REGISTER":
      return yield* register(request, raw, flow, auth)
    case "MESSAGE":
      return yield* message(request, raw, flow, auth, arrivedAt)
    default:
      return KnownMethods.has(method)
        ? yield* refuse(request, raw, flow, 405, "Method Not Allowed", "method_not_allowed", `${method}: this centre takes SCAIP messages only`, [["Allow", AllowedMethods]])
        : yield* refuse(request, raw, flow, 501, "Not Implemented", "not_implemented", `unknown SIP method ${method.slice(0, 16)}`, [["Allow", AllowedMethods]])
  }
})

const register = Effect.fnUntraced(function*(request: SipMessage, raw: Uint8Array, flow: SipFlow, auth: SipAuthenticator) {
  const authenticated = yield* authenticate(request, raw, flow, auth)
  if (Result.isFailure(authenticated)) return authenticated.failure
  const requested = Number(sipHeader(request, "Expires") ?? MaxRegistrationS)
  const expires = Number.isFinite(requested) ? Math.max(0, Math.min(MaxRegistrationS, Math.floor(requested))) : MaxRegistrationS
  const contacts = request.headers.filter(([n]) => n === "Contact").flatMap(([, v]) => v.split(/,(?=\s*(?:"|<|sips?:))/u)).map((c) => c.trim()).filter((c) => c !== "" && c !== "*")
  yield* countFrame("scaip", expires === 0 ? "sip_unregistered" : "sip_registered")
  // The bindings as the unit asked, each with the time it holds (RFC 3261 §10.3 step 8).
  const bindings = expires === 0 ? [] : contacts.map((c) => ["Contact", `${c.replace(/;\s*expires=[0-9]*/giu, "")};expires=${expires}`] as const)
  return [answer(request, flow, 200, "OK", [...bindings, ["Expires", String(expires)]])]
})

const message = Effect.fnUntraced(function*(sent: SipMessage, raw: Uint8Array, flow: SipFlow, auth: SipAuthenticator, arrivedAt: number) {
  const inflated = inflatedBody(sent)
  if (typeof inflated === "string") return yield* refuse(sent, raw, flow, 400, "Bad Request", "malformed", inflated)
  const request = inflated ?? sent
  const body = scaipBodyOf(request)
  if (Result.isFailure(body)) {
    return yield* refuse(request, raw, flow, 415, "Unsupported Media Type", "unsupported_media", body.failure.reason, [["Accept", "application/scaip+xml"], ["Accept-Encoding", "identity"]])
  }
  // Read before anything is stored: with no address of record there is nowhere to send the <mrs>.
  if (uriOf(sipHeader(request, "From") ?? "") === undefined || uriOf(sipHeader(request, "To") ?? "") === undefined) {
    return yield* refuse(request, raw, flow, 400, "Bad From or To", "malformed", "no SIP URI in From or To to send the <mrs> to")
  }
  const authenticated = yield* authenticate(request, raw, flow, auth)
  if (Result.isFailure(authenticated)) return authenticated.failure
  const mrs = yield* receiveScaipRequest(body.success, arrivedAt, authenticated.success)
  const back = mrsMessage(request, flow, utf8.decode(mrs))
  return back === undefined ? [answer(request, flow, 200, "OK")] : [answer(request, flow, 200, "OK"), back]
})

/** A SIP response on our port: the unit's answer to our `<mrs>` MESSAGE. Counted; a refusal is logged without content. */
export const receiveSipResponse = (response: SipMessage, matched: boolean): Effect.Effect<void> => {
  const status = response.status ?? 0
  if (status < 200) return Effect.void
  if (!matched) return countFrame("scaip", "sip_stray_response")
  if (status < 300) return countFrame("scaip", "mrs_delivered")
  return Effect.andThen(
    countFrame("scaip", "mrs_refused_by_unit"),
    Effect.logWarning("a SCAIP unit refused our <mrs> MESSAGE; it will resend its request").pipe(Effect.annotateLogs({ sipStatus: status }))
  )
}

/**
 * Bytes that are no SIP message we can read (a broken datagram, an oversized body): kept in WT_DLQ,
 * and answered 400 (413 for size) when their headers still say where to, else left unanswered.
 */
export const receiveUnreadableSip = Effect.fnUntraced(function*(raw: Uint8Array, refusal: SipRefusal, flow: SipFlow): Effect.fn.Return<ReadonlyArray<SipOutgoing>, never, Nats> {
  yield* keep(refusal.kind, refusal.reason, raw)
  const head = headersOnly(raw)
  if (head === undefined || head.kind !== "request" || head.method === "ACK" || missingHeader(head) !== undefined) return []
  return refusal.kind === "too_large"
    ? [answer(head, flow, 413, "Request Entity Too Large")]
    : [answer(head, flow, 400, "Bad Request", [["Warning", `399 wt "${refusal.reason.replace(/["\\]/gu, "").slice(0, 100)}"`]])]
})

/**
 * The header section of bytes that could not be read whole, without its body, its Content-Length and
 * any line that is no header: enough, when Via, From, To, Call-ID and CSeq are among the rest, to
 * address the refusal to the unit.
 */
const headersOnly = (raw: Uint8Array): SipMessage | undefined => {
  const text = latin1(raw.subarray(0, 8192))
  const end = text.indexOf("\r\n\r\n")
  if (end < 0) return undefined
  const [first, ...rest] = text.slice(0, end).split("\r\n")
  const lines = [first!, ...rest.filter((line) => /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}[ \t]*:/u.test(line) && !/^(?:content-length|l)\s*:/iu.test(line))]
  const parsed = parseSipMessage(new TextEncoder().encode(`${lines.join("\r\n")}\r\nContent-Length: 0\r\n\r\n`), "udp")
  return Result.isSuccess(parsed) ? parsed.success : undefined
}
