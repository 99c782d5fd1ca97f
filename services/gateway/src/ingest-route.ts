import { DateTime, Effect, Metric, Option, Result } from "effect"
import { HttpIncomingMessage, HttpRouter, type HttpServerRequest, HttpServerResponse } from "effect/http"
import { ByteSize } from "effect"
import { laneOfEvent } from "@wt/contracts"
import { IngestLimits, ingestKeySender, limitedReason, retryAfterSeconds, storeDeviceEvents } from "@wt/intake"
import { sendDeadLetter } from "@wt/nats"
import { Registry } from "@wt/registry"
import { type AcceptedEvent, decodeItems, MaxBodyBytes, parseBody, type Rejection } from "./ingest-batch.ts"
import { IngestWindow } from "./ingest-window.ts"

const events = Metric.counter("wt_ingest_events_total", { description: "Events received on POST /v1/events, by result", incremental: true })
const countEvents = (result: string, n: number) => (n > 0 ? Metric.update(Metric.withAttributes(events, { result }), n) : Effect.void)

const encoder = new TextEncoder()
const decoder = new TextDecoder("utf-8", { fatal: false })

const json = (status: number, body: unknown) => HttpServerResponse.jsonUnsafe(body, { status })

const bearerToken = (authorization: string | undefined): string | undefined => {
  const match = authorization?.match(/^Bearer\s+(\S+)\s*$/i)
  return match?.[1]
}

/** Keeps a rejected input with its exact bytes; the answer to the sender does not wait on it failing. */
const deadLetter = (reason: string, reasonKind: string, raw: Uint8Array, tenant?: string) =>
  sendDeadLetter({ source: "gateway", reason, reasonKind, raw, ...(tenant === undefined ? {} : { tenant }) }).pipe(
    Effect.catch((e) => Effect.logError("could not store a dead letter", e))
  )

const rejectWhole = Effect.fn("Gateway.rejectWhole")(function*(status: number, reason: string, reasonKind: string, raw: Uint8Array, tenant: string) {
  yield* deadLetter(reason, reasonKind, raw, tenant)
  yield* countEvents("rejected", 1)
  return json(status, { accepted: [], rejected: [{ index: 0, reason }], error: reason })
})

/** Events checked between two turns of the event loop. */
const DecodeSlice = 100

/** Lets the event loop take I/O (another request) before going on. */
const nextTurn = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

/** An event over its lane's rate limit, with its place in the request. */
interface Limited {
  readonly index: number
  readonly reason: string
  readonly retryAfterMs: number
}

/**
 * POST /v1/events (contract): one canonical event or an array of up to 1000.
 * Answers 202 only after JetStream stored every accepted event; each rejected
 * one is named by index with a reason and kept in WT_DLQ with its bytes.
 * Events over their device's or ingest key's rate limit (lane by lane, see
 * `IngestLimits`) are refused by index too; when nothing else was accepted the
 * answer is 429 with `Retry-After`.
 */
export const handleIngest = Effect.fn("Gateway.ingest")(function*(request: HttpServerRequest.HttpServerRequest) {
  const registry = yield* Registry
  const key = bearerToken(request.headers.authorization)
  const tenant = key === undefined ? Option.none<string>() : yield* registry.tenantForIngestKey(key)
  if (Option.isNone(tenant) || key === undefined) {
    yield* countEvents("unauthorized", 1)
    return json(401, { error: "a valid tenant ingest key is required: Authorization: Bearer <key>" })
  }
  const declared = Number(request.headers["content-length"] ?? "0")
  if (declared > MaxBodyBytes) {
    const reason = `body of ${declared} bytes is over the 1 MiB limit; send at most 1000 events per request`
    return yield* rejectWhole(413, reason, "too_large", encoder.encode(`(body of ${declared} bytes not read)`), tenant.value)
  }
  const body = yield* request.arrayBuffer.pipe(
    Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(MaxBodyBytes)),
    Effect.map((buffer) => Option.some(new Uint8Array(buffer))),
    Effect.catch(() => Effect.succeed(Option.none<Uint8Array>()))
  )
  if (Option.isNone(body)) {
    return yield* rejectWhole(413, "body over the 1 MiB limit", "too_large", encoder.encode("(body not read)"), tenant.value)
  }
  const raw = body.value
  // Stamped once the body is in, before any checking: the time it then takes counts against us.
  const receivedAt = (yield* DateTime.nowAsDate).toISOString()
  const items = parseBody(decoder.decode(raw))
  if (items._tag === "Malformed") return yield* rejectWhole(400, items.reason, "invalid_json", raw, tenant.value)
  if (items._tag === "TooDeep") return yield* rejectWhole(400, items.reason, "too_deep", raw, tenant.value)
  if (items._tag === "TooMany") return yield* rejectWhole(413, items.reason, "too_many", raw, tenant.value)
  const parsed = { accepted: [] as Array<AcceptedEvent>, rejected: [] as Array<Rejection> }
  // A large batch is checked a slice at a time, giving the event loop back in between: in a
  // reconnect storm sixteen batches of 1,000 arrive at once, and checked whole they held a
  // care alarm's request (one event) behind all of them.
  for (let from = 0; from < items.list.length; from += DecodeSlice) {
    if (from > 0) yield* nextTurn
    // Whatever a check throws on (it should throw on nothing) is the body's refusal, not a 500.
    const failed = checkSlice(items.list, from, tenant.value, receivedAt, parsed)
    if (failed !== undefined) return yield* rejectWhole(400, `the body could not be checked: ${failed}`, "uncheckable", raw, tenant.value)
  }

  // Each event spends its own lane's budget, its device's and its key's: a key or device that
  // floods positions or heartbeats is refused those, never its care alarms.
  const limits = yield* IngestLimits
  const sender = ingestKeySender(key)
  const admitted: Array<AcceptedEvent> = []
  const limited: Array<Limited> = []
  const verdicts = yield* limits.admitEach(
    "http",
    parsed.accepted.map(({ event }) => ({ sender, tenant: tenant.value, deviceId: event.deviceId, lane: laneOfEvent(event) }))
  )
  parsed.accepted.forEach((accepted, i) => {
    const verdict = verdicts[i]!
    if (verdict._tag === "Admitted") admitted.push(accepted)
    else limited.push({ index: accepted.index, reason: limitedReason(verdict), retryAfterMs: verdict.retryAfterMs })
  })
  if (limited.length > 0) {
    // One dead letter per request: a sender far over its limit costs one small write per request, not one per event.
    const whole = limited.length === items.list.length
    const keptRaw = whole ? raw : encoder.encode(`[${limited.map((l) => JSON.stringify(items.list[l.index])).join(",")}]`)
    yield* deadLetter(`${limited.length} of ${items.list.length} events over rate limits${whole ? "" : ` (events ${limited.map((l) => l.index).join(", ").slice(0, 200)})`}: ${limited[0]!.reason}`, "rate_limited", keptRaw, tenant.value)
  }

  const window = yield* IngestWindow
  const publish = (events: ReadonlyArray<AcceptedEvent>) =>
    Effect.map(storeDeviceEvents(events.map(({ event }) => event)), (results) =>
      results.map((result, i) => {
        const { index, event } = events[i]!
        return Result.isSuccess(result)
          ? { index, id: event.id, duplicate: result.success.duplicate, error: undefined }
          : { index, id: event.id, duplicate: false, error: result.failure.message }
      }))
  // Alarm-lane events never wait for the window (nor, in storeDeviceEvents, behind it in a socket); the rest of the batch waits its turn.
  const alarms: Array<AcceptedEvent> = []
  const bulk: Array<AcceptedEvent> = []
  for (const accepted of admitted) (laneOfEvent(accepted.event) === "alarm" ? alarms : bulk).push(accepted)
  const [storedAlarms, storedBulk] = yield* Effect.all([publish(alarms), window.bulk(bulk.length, publish(bulk))], { concurrency: 2 })
  const stored = [...storedAlarms, ...storedBulk].sort((a, b) => a.index - b.index)
  const accepted = stored.filter((s) => s.error === undefined).map((s) => s.id)
  const notStored = stored.filter((s) => s.error !== undefined)
  const rejected: Array<Omit<Rejection, "raw">> = parsed.rejected.map(({ index, reason }) => ({ index, reason }))
  yield* Effect.forEach(parsed.rejected, (r) => deadLetter(`event ${r.index}: ${r.reason}`, "schema", encoder.encode(r.raw), tenant.value), {
    concurrency: 16,
    discard: true
  })
  for (const l of limited) rejected.push({ index: l.index, reason: l.reason })
  yield* countEvents("accepted", accepted.length)
  yield* countEvents("duplicate", stored.filter((s) => s.duplicate).length)
  yield* countEvents("rejected", parsed.rejected.length)
  yield* countEvents("rate_limited", limited.length)
  yield* countEvents("not_stored", notStored.length)
  if (notStored.length > 0) {
    yield* Effect.logError(`${notStored.length} events could not be stored: ${notStored[0]!.error}`)
    // Not stored means not accepted: the sender must retry them (ids make retries safe).
    for (const s of notStored) rejected.push({ index: s.index, reason: `not stored, retry: ${s.error}` })
  }
  rejected.sort((a, b) => a.index - b.index)
  const retryAfter = limited.length === 0 ? undefined : String(retryAfterSeconds(Math.max(...limited.map((l) => l.retryAfterMs))))
  const status = accepted.length > 0 ? 202 : notStored.length > 0 ? 503 : limited.length > 0 ? 429 : 400
  return HttpServerResponse.jsonUnsafe(
    { accepted, rejected, ...(status === 429 ? { error: limited[0]!.reason } : {}) },
    { status, ...(retryAfter === undefined ? {} : { headers: { "retry-after": retryAfter } }) }
  )
})

/** `decodeItems` over one slice; the message of anything it threw, else undefined. */
const checkSlice = (
  list: ReadonlyArray<unknown>,
  from: number,
  tenant: string,
  receivedAt: string,
  into: { readonly accepted: Array<AcceptedEvent>; readonly rejected: Array<Rejection> }
): string | undefined => {
  try {
    decodeItems(list, from, from + DecodeSlice, tenant, receivedAt, into)
    return undefined
  } catch (e) {
    return e instanceof Error ? e.message : String(e)
  }
}

export const IngestRoute = HttpRouter.add("POST", "/v1/events", handleIngest)
