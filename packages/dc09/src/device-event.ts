import { createHash } from "node:crypto"
import type { SafetyAlarmPayload, SensorPayload, TechnicalPayload } from "@wt/contracts"
import { type CodeTable, DefaultCodeTable, mapContactId, type Mapping, mapSia } from "./code-table.ts"
import type { ExtendedData, Frame } from "./frame.ts"

/** Payload fields beyond the contract's discriminating ones (the contract lets senders add fields). */
export type PayloadExtras = { readonly [field: string]: unknown }

/**
 * A canonical `wt.device-event/v1` event without `tenant` and `deviceId`: the receiver looks
 * those up in the registry by the frame's account (see `senderIdentity`).
 */
export type DeviceEventDraft = {
  readonly id: string
  readonly occurredAt: string
  readonly receivedAt: string
  readonly source: { readonly via: "dc09"; readonly raw: string }
} & (
  | { readonly type: "safety_alarm"; readonly payload: typeof SafetyAlarmPayload.Type & PayloadExtras }
  | { readonly type: "sensor"; readonly payload: typeof SensorPayload.Type & PayloadExtras }
  | { readonly type: "technical"; readonly payload: typeof TechnicalPayload.Type & PayloadExtras }
)

const QualifierNames = { "1": "new", "3": "restore", "6": "status" } as const

interface Item {
  readonly mapping: Mapping
  readonly code: string
  readonly fields: PayloadExtras
}

const itemsOf = (frame: Frame, table: CodeTable): ReadonlyArray<Item> => {
  const content = frame.content
  switch (content._tag) {
    case "Null":
      return [{ code: "NULL", mapping: { canonical: { type: "technical", event: "heartbeat" }, meaning: "link test", by: "table" }, fields: {} }]
    case "CID":
      return [{
        code: `CID:${content.qualifier}${content.event}`,
        mapping: mapContactId(table, content.event, content.qualifier),
        fields: { qualifier: QualifierNames[content.qualifier], partition: content.partition, zone: content.zone }
      }]
    case "SIA": {
      const texts = content.texts.length > 0 ? { texts: content.texts } : {}
      if (content.events.length === 0) {
        return [{
          code: "SIA:none",
          mapping: { canonical: { type: "technical", event: "heartbeat" }, meaning: "message without an event", by: "table" },
          fields: texts
        }]
      }
      return content.events.map((e) => ({
        code: `SIA:${e.code}`,
        mapping: mapSia(table, e.code),
        fields: {
          ...(e.address === "" ? {} : { zone: e.address }),
          ...(e.area === undefined ? {} : { partition: e.area }),
          ...(e.user === undefined ? {} : { user: e.user }),
          ...(e.time === undefined ? {} : { panelTime: e.time }),
          ...(e.text === undefined ? {} : { text: e.text }),
          ...texts
        }
      }))
    }
  }
}

const Coordinate = /^([NSEW])?([-+]?\d{1,3}(?:\.\d+)?)$/u

const coordinate = (value: string | undefined, limit: number): number | undefined => {
  const m = value === undefined ? null : Coordinate.exec(value)
  if (m === null) return undefined
  const n = Number(m[2]) * (m[1] === "S" || m[1] === "W" ? -1 : 1)
  return Number.isFinite(n) && Math.abs(n) <= limit ? n : undefined
}

/** `[X…]` longitude and `[Y…]` latitude, when both read as degrees. */
const locationOf = (extended: ReadonlyArray<ExtendedData>): { readonly lat: number; readonly lon: number } | undefined => {
  const lon = coordinate(extended.find((e) => e.id === "X")?.value, 180)
  const lat = coordinate(extended.find((e) => e.id === "Y")?.value, 90)
  return lat === undefined || lon === undefined ? undefined : { lat, lon }
}

/**
 * The event id of a frame: `dc09-<sequence>-<hash>`, the hash over the receiver, line,
 * account, message type, sequence, data and extended data. A transmitter repeats an
 * unacknowledged message with the same sequence and data, and the repeat collapses on the
 * de-duplication key (tenant, device, id); its timestamp (refreshed by some retries) and the
 * encryption pad are left out. A link test has no data, so its timestamp is in; one without a
 * timestamp (allowed unencrypted) takes the second it was received, since many units send every
 * link test with sequence 0000: otherwise each poll inside the 2-minute window would collapse into
 * the first, and a unit polling every 90 s would look silent. Events of a message with several
 * get `-<index>`.
 */
export const eventIdOf = (frame: Frame, receivedAtIso?: string): string => {
  const identity = JSON.stringify([
    frame.receiver ?? "",
    frame.line,
    frame.account,
    frame.messageId,
    frame.sequence,
    frame.data,
    frame.extended.map((e) => `${e.id}${e.value}`),
    frame.messageId === "NULL" ? (frame.timestamp?.text ?? receivedAtIso?.slice(0, 19) ?? "") : ""
  ])
  return `dc09-${frame.sequence}-${createHash("sha256").update(identity, "latin1").digest("hex").slice(0, 16)}`
}

/**
 * The canonical events of an accepted frame, at least one: a `SIA-DCS` message may carry
 * several events, each its own canonical event; a link test or an event-less message is a
 * technical heartbeat. Every event records its code (`CID:1101`, `SIA:QA`, `NULL`), the code
 * table version and whether the table or the class rule mapped it.
 * `occurredAt` is the frame's timestamp when it is in the window, else the receive time.
 */
export const toDeviceEventDrafts = (
  frame: Frame,
  receivedAtIso: string,
  table: CodeTable = DefaultCodeTable
): readonly [DeviceEventDraft, ...Array<DeviceEventDraft>] => {
  const id = eventIdOf(frame, receivedAtIso)
  const items = itemsOf(frame, table)
  const occurredAt = frame.timestamp !== undefined && frame.timestampInWindow ? new Date(frame.timestamp.epochMs).toISOString() : receivedAtIso
  const location = locationOf(frame.extended)
  const common: PayloadExtras = {
    messageId: frame.messageId,
    codeTable: table.version,
    ...(frame.content._tag !== "Null" && frame.content.account !== undefined && frame.content.account !== frame.account
      ? { dataAccount: frame.content.account }
      : {}),
    ...(location === undefined ? {} : { location }),
    ...(frame.timestamp !== undefined && !frame.timestampInWindow ? { deviceTime: frame.timestamp.text, clockSkewS: Math.round(frame.clockSkewS ?? 0) } : {})
  }
  const drafts = items.map((item, index): DeviceEventDraft => {
    const head = {
      id: items.length > 1 ? `${id}-${index}` : id,
      occurredAt,
      receivedAt: receivedAtIso,
      source: { via: "dc09" as const, raw: frame.text }
    }
    const extras = { ...common, ...item.fields, code: item.code, meaning: item.mapping.meaning, mappedBy: item.mapping.by, ...item.mapping.canonical.detail }
    const c = item.mapping.canonical
    switch (c.type) {
      case "safety_alarm":
        return { ...head, type: c.type, payload: { ...extras, trigger: c.trigger } }
      case "sensor":
        return { ...head, type: c.type, payload: { ...extras, sensor: c.sensor, state: c.state } }
      case "technical":
        return { ...head, type: c.type, payload: { ...extras, event: c.event } }
    }
  })
  return drafts as unknown as readonly [DeviceEventDraft, ...Array<DeviceEventDraft>]
}
