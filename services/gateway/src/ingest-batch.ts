import { Exit, Predicate, Schema, SchemaIssue } from "effect"
import { type DeviceEvent, SenderDecodeOptions, SenderDeviceEvent, SenderEventSource } from "@wt/contracts"
import { findTooDeep, tooDeepReason } from "@wt/intake"

/** At most this many events in one POST (contract). */
export const MaxEventsPerRequest = 1000
/** Largest accepted body (contract: 1 MiB, else 413). */
export const MaxBodyBytes = 1024 * 1024

export interface Rejection {
  readonly index: number
  readonly reason: string
  /** The rejected element as JSON, kept in the dead letters. */
  readonly raw: string
}

/** An event that passed the checks, with its place in the request (rejections name it by that place). */
export interface AcceptedEvent {
  readonly index: number
  readonly event: DeviceEvent
}

export type ParsedBatch =
  | { readonly _tag: "Malformed"; readonly reason: string }
  | { readonly _tag: "TooDeep"; readonly reason: string }
  | { readonly _tag: "TooMany"; readonly reason: string }
  | { readonly _tag: "Parsed"; readonly accepted: ReadonlyArray<AcceptedEvent>; readonly rejected: ReadonlyArray<Rejection> }

// The sender-facing contract, decoded as it is published (contracts/json-schema/device-event.v1):
// no "engine" events, an unknown top-level or source property refused by name, payload fields kept.
const decodeStrict = Schema.decodeUnknownExit(SenderDeviceEvent, SenderDecodeOptions)
// An event whose top level and source hold only properties the contract names has no unknown
// property to find (its payload may hold any), and this schema changes nothing it accepts (each
// type is its wire type): for such an item the schema's guard answers what the strict decode would,
// and the item is its own decoded value, in its sender's key order. It costs less than half the
// decode (pnpm bench decode), which was a sixth of the gateway's CPU. Every other item, and any the
// guard refuses, goes through the strict decode, which gives the reason.
const isSenderEvent = Schema.is(SenderDeviceEvent)
const TopLevelNames: ReadonlySet<string> = new Set(Object.keys(SenderDeviceEvent.members[0].fields))
const SourceNames: ReadonlySet<string> = new Set(Object.keys(SenderEventSource.fields))

/** Whether the item's top level and source hold only properties the contract names. */
const onlyNamedProperties = (item: unknown): boolean => {
  if (!Predicate.isObject(item)) return false
  for (const name of Object.keys(item)) if (!TopLevelNames.has(name)) return false
  const source = item["source"]
  if (!Predicate.isObject(source)) return false
  for (const name of Object.keys(source)) if (!SourceNames.has(name)) return false
  return true
}

/** `decodeStrict`, by way of the guard where that gives the same answer (see above). */
export const decodeSenderEvent = (item: unknown): Exit.Exit<SenderDeviceEvent, Schema.SchemaError> =>
  onlyNamedProperties(item) && isSenderEvent(item) ? Exit.succeed(item) : decodeStrict(item)

const formatter = SchemaIssue.makeFormatterDefault()

const reasonOf = (exit: Exit.Exit<unknown, Schema.SchemaError>): string => {
  if (Exit.isSuccess(exit)) return ""
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")
  return error?._tag === "Fail" ? formatter(error.error.issue).replace(/\s+/g, " ").trim() : "invalid event"
}

export type BodyItems =
  | { readonly _tag: "Malformed"; readonly reason: string }
  | { readonly _tag: "TooDeep"; readonly reason: string }
  | { readonly _tag: "TooMany"; readonly reason: string }
  | { readonly _tag: "Items"; readonly list: ReadonlyArray<unknown> }

/**
 * The body's JSON: one event or an array of 1 to 1000, not yet checked one by one. A body that
 * nests deeper than any event can is refused before it is parsed (see `MaxJsonDepth`).
 */
export const parseBody = (body: string): BodyItems => {
  const tooDeep = findTooDeep(body)
  if (tooDeep !== undefined) return { _tag: "TooDeep", reason: tooDeepReason(tooDeep) }
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch (e) {
    return { _tag: "Malformed", reason: `malformed JSON: ${(e as Error).message}` }
  }
  const items = Array.isArray(json) ? json : [json]
  if (items.length === 0) return { _tag: "Malformed", reason: "empty batch: send one event or an array of 1 to 1000" }
  if (items.length > MaxEventsPerRequest) {
    return { _tag: "TooMany", reason: `${items.length} events in one request; at most ${MaxEventsPerRequest}` }
  }
  return { _tag: "Items", list: items }
}

/**
 * Checks items `from` up to `to` and adds each to `accepted` or `rejected`, with a reason
 * that names the field. The tenant comes from the key, never from the body: an event
 * claiming another tenant is rejected. The server stamps receivedAt.
 */
export const decodeItems = (
  items: ReadonlyArray<unknown>,
  from: number,
  to: number,
  keyTenant: string,
  receivedAt: string,
  into: { readonly accepted: Array<AcceptedEvent>; readonly rejected: Array<Rejection> }
): void => {
  for (let index = from; index < Math.min(to, items.length); index++) {
    const item = items[index]
    const exit = decodeSenderEvent(item)
    if (Exit.isFailure(exit)) {
      into.rejected.push({ index, reason: reasonOf(exit), raw: JSON.stringify(item) ?? "undefined" })
    } else if (exit.value.tenant !== keyTenant) {
      into.rejected.push({ index, reason: `tenant "${exit.value.tenant}" does not match the ingest key's tenant`, raw: JSON.stringify(item) })
    } else {
      into.accepted.push({ index, event: { ...exit.value, receivedAt } })
    }
  }
}

/** Splits a request body into events to store and events to reject, in one go (see `parseBody`, `decodeItems`). */
export const parseBatch = (body: string, keyTenant: string, receivedAt: string): ParsedBatch => {
  const parsed = parseBody(body)
  if (parsed._tag !== "Items") return parsed
  const into = { accepted: [] as Array<AcceptedEvent>, rejected: [] as Array<Rejection> }
  decodeItems(parsed.list, 0, parsed.list.length, keyTenant, receivedAt, into)
  return { _tag: "Parsed", ...into }
}
