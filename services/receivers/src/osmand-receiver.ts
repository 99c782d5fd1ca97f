import { Clock, Effect, Option, Result } from "effect"
import { acceptFrame, admitFrame, type IngestLimits, recordAnswered, refuseFrame, retryAfterSeconds } from "@wt/intake"
import type { Nats } from "@wt/nats"
import { type OsmAndOutcome, osmandDeviceEvents, osmandHttpAnswer, type OsmAndRefusal, parseOsmAndRequest } from "@wt/osmand"
import { DeviceIdentities } from "@wt/registry"
import type { HttpAnswer, HttpFrame } from "./http-frames.ts"

const utf8 = new TextEncoder()
const latin1 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1")

/** The request as it arrived, for `source.raw` and the dead letters: request line, content type, body. */
export const requestText = (frame: HttpFrame): string => {
  const type = frame.headers["content-type"]
  return `${frame.method} ${frame.url}${type === undefined ? "" : `\ncontent-type: ${String(type)}`}${frame.body.length === 0 ? "" : `\n\n${latin1(frame.body)}`}`
}

const answerOf = (outcome: OsmAndOutcome): HttpAnswer => {
  const answer = osmandHttpAnswer(outcome)
  return { status: answer.status, body: answer.body }
}

/**
 * One OsmAnd report (a GPS tracker or the Traccar Client), start to answer: read it, find the
 * tracker by its OsmAnd id, store its events (a position; with `sos` on the alarm lane), and
 * only then answer 200. A report refused for what it says is kept in WT_DLQ first and then
 * answered as the Traccar clients need (see `osmandHttpAnswer`); nothing here fails.
 */
export const receiveOsmAnd = Effect.fnUntraced(function*(frame: HttpFrame, arrivedAt: number): Effect.fn.Return<HttpAnswer, never, DeviceIdentities | IngestLimits | Nats> {
  const identities = yield* DeviceIdentities
  const now = yield* Clock.currentTimeMillis
  const raw = requestText(frame)
  const refused = (refusal: OsmAndRefusal, tenant?: string) =>
    Effect.as(
      refuseFrame({
        protocol: "osmand",
        reasonKind: refusal.kind,
        reason: `OsmAnd report refused (${refusal.kind}): ${refusal.reason}`,
        raw: utf8.encode(raw),
        ...(tenant === undefined ? {} : { tenant })
      }),
      answerOf({ kind: "refused", refusal })
    )
  const answered = (answer: HttpAnswer) => Effect.as(recordAnswered("osmand", arrivedAt), answer)

  if (frame.method !== "GET" && frame.method !== "POST") {
    return yield* refused({ kind: "malformed", reason: `method ${frame.method}: send GET or POST` })
  }
  const contentType = frame.headers["content-type"]
  const parsed = parseOsmAndRequest({ url: frame.url, body: frame.body, ...(typeof contentType === "string" ? { contentType } : {}) }, now)
  if (Result.isFailure(parsed)) {
    // A report refused for what it says still names its tracker: kept under the tracker's tenant.
    const named = parsed.failure.deviceId === undefined
      ? Option.none()
      : yield* identities.find("osmand", parsed.failure.deviceId).pipe(Effect.orElseSucceed(() => Option.none()))
    return yield* refused(parsed.failure, Option.isSome(named) ? named.value.tenant : undefined)
  }
  const report = parsed.success
  const device = yield* identities.find("osmand", report.deviceId).pipe(Effect.option)
  if (Option.isNone(device)) return yield* answered(answerOf({ kind: "store_unavailable" }))
  if (Option.isNone(device.value)) {
    yield* refuseFrame({ protocol: "osmand", reasonKind: "unknown_device", reason: `OsmAnd id ${report.deviceId} is not registered`, raw: utf8.encode(raw) })
    return answerOf({ kind: "unknown_device", form: report.form })
  }
  const tracker = device.value.value
  const events = osmandDeviceEvents(report, { tenant: tracker.tenant, deviceId: tracker.deviceId }, now, raw)
  if (Result.isFailure(events)) return yield* refused(events.failure, tracker.tenant)
  const received = events.success.map((event) => ({ ...event, receivedAt: new Date(now).toISOString() }))
  // Over its rate limit: 503 with Retry-After, as for a store that is down; the client sends it again later.
  const admitted = yield* admitFrame("osmand", received, utf8.encode(raw))
  if (admitted._tag === "Limited") return yield* answered({ ...answerOf({ kind: "store_unavailable" }), retryAfterS: retryAfterSeconds(admitted.retryAfterMs) })
  let duplicates = 0
  for (const event of received) {
    const stored = yield* acceptFrame("osmand", event).pipe(Effect.option)
    if (Option.isNone(stored)) return yield* answered(answerOf({ kind: "store_unavailable" }))
    if (stored.value.duplicate) duplicates++
  }
  return yield* answered(answerOf({ kind: duplicates === received.length ? "duplicate" : "stored" }))
})
