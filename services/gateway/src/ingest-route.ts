import { Effect, Metric, Option } from "effect"
import { HttpIncomingMessage, HttpRouter, type HttpServerRequest, HttpServerResponse } from "effect/http"
import { ByteSize } from "effect"
import { laneOfEvent } from "@wt/contracts"
import { storeDeviceEvent } from "@wt/intake"
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

const rejectWhole = (status: number, reason: string, reasonKind: string, raw: Uint8Array, tenant: string) =>
  Effect.gen(function*() {
    yield* deadLetter(reason, reasonKind, raw, tenant)
    yield* countEvents("rejected", 1)
    return json(status, { accepted: [], rejected: [{ index: 0, reason }], error: reason })
  })

/**
 * POST /v1/events (contract): one canonical event or an array of up to 1000.
 * Answers 202 only after JetStream stored every accepted event; each rejected
 * one is named by index with a reason and kept in WT_DLQ with its bytes.
 */
/** Events checked between two turns of the event loop. */
const DecodeSlice = 100

/** Lets the event loop take I/O (another request) before going on. */
const nextTurn = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

export const handleIngest = Effect.fn("Gateway.ingest")(function*(request: HttpServerRequest.HttpServerRequest) {
  const registry = yield* Registry
  const key = bearerToken(request.headers.authorization)
  const tenant = key === undefined ? Option.none<string>() : yield* registry.tenantForIngestKey(key)
  if (Option.isNone(tenant)) {
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
  const receivedAt = new Date().toISOString()
  const items = parseBody(decoder.decode(raw))
  if (items._tag === "Malformed") return yield* rejectWhole(400, items.reason, "invalid_json", raw, tenant.value)
  if (items._tag === "TooMany") return yield* rejectWhole(413, items.reason, "too_many", raw, tenant.value)
  const parsed = { accepted: [] as Array<AcceptedEvent>, rejected: [] as Array<Rejection> }
  // A large batch is checked a slice at a time, giving the event loop back in between: in a
  // reconnect storm sixteen batches of 1,000 arrive at once, and checked whole they held a
  // care alarm's request (one event) behind all of them.
  for (let from = 0; from < items.list.length; from += DecodeSlice) {
    if (from > 0) yield* nextTurn
    decodeItems(items.list, from, from + DecodeSlice, tenant.value, receivedAt, parsed)
  }

  const window = yield* IngestWindow
  const publish = (events: ReadonlyArray<AcceptedEvent>) =>
    Effect.forEach(
      events,
      ({ index, event }) =>
        storeDeviceEvent(event).pipe(
          Effect.map((ack) => ({ index, id: event.id, duplicate: ack.duplicate, error: undefined })),
          Effect.catch((e) => Effect.succeed({ index, id: event.id, duplicate: false, error: e.message }))
        ),
      { concurrency: "unbounded" }
    )
  // Alarm-lane events never wait for the window; the rest of the batch waits its turn.
  const alarms: Array<AcceptedEvent> = []
  const bulk: Array<AcceptedEvent> = []
  for (const accepted of parsed.accepted) (laneOfEvent(accepted.event) === "alarm" ? alarms : bulk).push(accepted)
  const [storedAlarms, storedBulk] = yield* Effect.all([publish(alarms), window.bulk(bulk.length, publish(bulk))], { concurrency: 2 })
  const stored = [...storedAlarms, ...storedBulk].sort((a, b) => a.index - b.index)
  const accepted = stored.filter((s) => s.error === undefined).map((s) => s.id)
  const notStored = stored.filter((s) => s.error !== undefined)
  const rejected: Array<Omit<Rejection, "raw">> = parsed.rejected.map(({ index, reason }) => ({ index, reason }))
  yield* Effect.forEach(parsed.rejected, (r) => deadLetter(`event ${r.index}: ${r.reason}`, "schema", encoder.encode(r.raw), tenant.value), {
    concurrency: 16,
    discard: true
  })
  yield* countEvents("accepted", accepted.length)
  yield* countEvents("duplicate", stored.filter((s) => s.duplicate).length)
  yield* countEvents("rejected", rejected.length)
  yield* countEvents("not_stored", notStored.length)
  if (notStored.length > 0) {
    yield* Effect.logError(`${notStored.length} events could not be stored: ${notStored[0]!.error}`)
    // Not stored means not accepted: the sender must retry them (ids make retries safe).
    for (const s of notStored) rejected.push({ index: s.index, reason: `not stored, retry: ${s.error}` })
  }
  const status = accepted.length > 0 ? 202 : notStored.length > 0 ? 503 : 400
  return json(status, { accepted, rejected })
})

export const IngestRoute = HttpRouter.add("POST", "/v1/events", handleIngest)
