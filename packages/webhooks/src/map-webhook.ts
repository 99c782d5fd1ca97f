import { DeviceEvent, type DeviceEventType } from "@wt/contracts"
import { Result, Schema, SchemaIssue } from "effect"
import { resolvePointer } from "./json-pointer.ts"
import type { CopySpec, VendorMapping } from "./vendor-mapping.ts"

export const WebhookLimits = { maxBodyBytes: 65536, maxEvents: 1000, maxRawChars: 8192 }

export type WebhookRefusalKind = "too_large" | "malformed" | "no_events" | "too_many_events"
export type WebhookItemRefusalKind = "not_an_object" | "missing_device_id" | "invalid_device_id" | "unknown_kind" | "invalid_time" | "invalid_event"

/** Why a whole body was refused. */
export interface WebhookRefusal {
  readonly kind: WebhookRefusalKind
  readonly reason: string
}

/** Why one vendor event in a body was refused; the others in the body still count. */
export interface WebhookItemRefusal {
  readonly index: number
  readonly kind: WebhookItemRefusalKind
  readonly reason: string
  /** The vendor event's JSON (≤ 8192 characters), for the dead letters. */
  readonly raw: string
  readonly vendorDeviceId?: string
}

/** A canonical event still without its tenant and registry device id, which the receiver looks up. */
export interface WebhookEventDraft {
  readonly id: string
  readonly occurredAt: string
  readonly source: { readonly via: "webhook"; readonly vendor: string; readonly raw: string }
  readonly type: DeviceEventType
  readonly payload: Readonly<Record<string, unknown>>
}

export interface WebhookItem {
  readonly index: number
  /** The vendor's id for the device, to find it in the registry. */
  readonly vendorDeviceId: string
  readonly draft: WebhookEventDraft
}

export interface MappedWebhook {
  readonly items: ReadonlyArray<WebhookItem>
  readonly refused: ReadonlyArray<WebhookItemRefusal>
}

const utf8 = new TextDecoder("utf-8", { fatal: true })

// FNV-1a, 32 bits, twice with different offsets for a 64-bit digest: ids for events the vendor gave none.
const digest = (text: string): string => {
  let a = 0x811c9dc5
  let b = 0x01000193 ^ 0x5bd1e995
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193) >>> 0
    b = Math.imul(b ^ c, 0x01000193) >>> 0
  }
  return a.toString(16).padStart(8, "0") + b.toString(16).padStart(8, "0")
}

// The contract's EventId: what a vendor's id must make, prefixed, to be used as it is.
const EventIdPattern = /^[A-Za-z0-9][A-Za-z0-9_.:-]{7,127}$/u

/**
 * An event's id: "wh-<vendor>-<vendor's event id>" when the vendor gives a usable one, else a digest
 * of it, or of the event's JSON when it gives none. A vendor retrying a delivery sends the same events,
 * which collapse in WT_DEVICE's de-duplication (keyed with tenant and device besides).
 */
const eventIdOf = (vendor: string, vendorEventId: unknown, itemJson: string): string => {
  if (typeof vendorEventId === "string" || (typeof vendorEventId === "number" && Number.isSafeInteger(vendorEventId))) {
    const text = String(vendorEventId)
    const plain = `wh-${vendor}-${text}`
    return EventIdPattern.test(plain) ? plain : `wh-${vendor}-h${digest(text)}`
  }
  return `wh-${vendor}-j${digest(itemJson)}`
}

const timeOf = (value: unknown, format: VendorMapping["time"]): string | undefined => {
  let ms: number | undefined
  if (format === "iso-8601") {
    if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/u.test(value)) return undefined
    ms = Date.parse(value)
  } else {
    const n = typeof value === "number" ? value : typeof value === "string" && /^[0-9]{1,16}$/u.test(value) ? Number(value) : Number.NaN
    ms = format === "unix-seconds" ? n * 1000 : n
  }
  if (!Number.isFinite(ms) || ms < Date.UTC(2000, 0, 1) || ms > Date.UTC(2100, 0, 1)) return undefined
  return new Date(ms).toISOString()
}

const copied = (spec: CopySpec, item: unknown, format: VendorMapping["time"]): unknown => {
  if (typeof spec === "string") {
    const value = resolvePointer(item, spec)
    return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? value : undefined
  }
  const value = resolvePointer(item, spec.from)
  switch (spec.as) {
    case "string":
      return typeof value === "string" || typeof value === "number" ? String(value) : undefined
    case "number": {
      const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : Number.NaN
      return Number.isFinite(n) ? n : undefined
    }
    case "boolean":
      return typeof value === "boolean" ? value : value === "true" ? true : value === "false" ? false : undefined
    case "time":
      return timeOf(value, format)
    case "percent-from-fraction":
      return typeof value === "number" && value >= 0 && value <= 1 ? Math.round(value * 1000) / 10 : undefined
  }
}

const VendorDeviceId = /^[\x21-\x7e]{1,128}$/u

/**
 * Reads a vendor's webhook body into canonical event drafts, by the vendor's mapping. A body may
 * carry several events: each is mapped or refused on its own (an unknown kind, a missing device or
 * time refuses that event, with a reason, and not its neighbours). A body that cannot be read at
 * all is refused whole. Pure; never throws.
 */
export const mapWebhook = (mapping: VendorMapping, rawBody: Uint8Array): Result.Result<MappedWebhook, WebhookRefusal> => {
  if (rawBody.length > WebhookLimits.maxBodyBytes) return Result.fail({ kind: "too_large", reason: `body larger than ${WebhookLimits.maxBodyBytes} bytes` })
  let root: unknown
  try {
    root = JSON.parse(utf8.decode(rawBody))
  } catch {
    return Result.fail({ kind: "malformed", reason: "the body is not UTF-8 JSON" })
  }
  const at = resolvePointer(root, mapping.events)
  const list = Array.isArray(at) ? at : typeof at === "object" && at !== null ? [at] : undefined
  if (list === undefined || list.length === 0) return Result.fail({ kind: "no_events", reason: `no event object or array at "${mapping.events}"` })
  if (list.length > WebhookLimits.maxEvents) return Result.fail({ kind: "too_many_events", reason: `${list.length} events, more than ${WebhookLimits.maxEvents}` })

  const items: Array<WebhookItem> = []
  const refused: Array<WebhookItemRefusal> = []
  list.forEach((item: unknown, index) => {
    const itemJson = JSON.stringify(item) ?? "null"
    const raw = itemJson.slice(0, WebhookLimits.maxRawChars)
    const refuse = (kind: WebhookItemRefusalKind, reason: string, vendorDeviceId?: string) =>
      refused.push({ index, kind, reason, raw, ...(vendorDeviceId !== undefined && { vendorDeviceId }) })
    if (typeof item !== "object" || item === null || Array.isArray(item)) return refuse("not_an_object", "the event is not a JSON object")

    const rawDevice = resolvePointer(item, mapping.fields.deviceId)
    if (rawDevice === undefined || rawDevice === null || rawDevice === "") return refuse("missing_device_id", `no device id at "${mapping.fields.deviceId}"`)
    const vendorDeviceId = typeof rawDevice === "string" ? rawDevice.trim() : typeof rawDevice === "number" && Number.isSafeInteger(rawDevice) ? String(rawDevice) : undefined
    if (vendorDeviceId === undefined || !VendorDeviceId.test(vendorDeviceId)) return refuse("invalid_device_id", "the device id must be 1-128 printable ASCII characters")

    const kindValue = resolvePointer(item, mapping.fields.kind)
    const kindName = typeof kindValue === "string" ? kindValue : undefined
    const kind = kindName !== undefined && Object.hasOwn(mapping.kinds, kindName) ? mapping.kinds[kindName] : undefined
    if (kind === undefined) {
      return refuse("unknown_kind", `event kind ${JSON.stringify(kindValue)?.slice(0, 64) ?? "missing"} is not in mapping ${mapping.vendor}@${mapping.version}`, vendorDeviceId)
    }

    const occurredAt = timeOf(resolvePointer(item, mapping.fields.occurredAt), mapping.time)
    if (occurredAt === undefined) return refuse("invalid_time", `no ${mapping.time} time between 2000 and 2100 at "${mapping.fields.occurredAt}"`, vendorDeviceId)

    const payload: Record<string, unknown> = { ...kind.payload }
    for (const [field, spec] of Object.entries(kind.copy ?? {})) {
      const value = copied(spec, item, mapping.time)
      if (value !== undefined) payload[field] = value
    }
    payload["vendorKind"] = kindName
    payload["vendorMapping"] = `${mapping.vendor}@${mapping.version}`

    const vendorEventId = mapping.fields.eventId === undefined ? undefined : resolvePointer(item, mapping.fields.eventId)
    items.push({
      index,
      vendorDeviceId,
      draft: {
        id: eventIdOf(mapping.vendor, vendorEventId, itemJson),
        occurredAt,
        source: { via: "webhook", vendor: mapping.vendor, raw },
        type: kind.type,
        payload
      }
    })
  })
  return Result.succeed({ items, refused })
}

const validate = Schema.decodeUnknownResult(DeviceEvent)
const formatIssue = SchemaIssue.makeFormatterDefault()

/**
 * The canonical event of a mapped item once the receiver found its device. Checked against
 * `DeviceEvent` (a copied value of the wrong kind, say a battery of 140 %, is refused here with the
 * reason); the object returned keeps the vendor fields that decoding would strip.
 */
export const webhookDeviceEvent = (item: WebhookItem, device: { readonly tenant: string; readonly deviceId: string }): Result.Result<DeviceEvent, WebhookItemRefusal> => {
  const event = { ...item.draft, tenant: device.tenant, deviceId: device.deviceId }
  const checked = validate(event)
  if (Result.isFailure(checked)) {
    return Result.fail({ index: item.index, kind: "invalid_event", reason: `does not fit wt.device-event/v1: ${formatIssue(checked.failure.issue)}`, raw: item.draft.source.raw, vendorDeviceId: item.vendorDeviceId })
  }
  return Result.succeed(event as DeviceEvent)
}
