import { Schema } from "effect"
import { SchemaJITCompiler } from "effect/schema"
import { DeviceId, EventId, Instant, TenantId } from "./ids.ts"

export const SafetyAlarmTrigger = Schema.Literals(["button", "pendant", "pull_cord", "fall_detector", "voice_call_failed"])
export const SafetyAlarmPayload = Schema.Struct({
  trigger: SafetyAlarmTrigger
})

export const SensorKind = Schema.Literals(["bed", "motion", "door", "smoke", "heat", "water", "epilepsy", "e_lock"])
export const SensorState = Schema.Literals([
  "triggered",
  "restored",
  "left_bed",
  "returned_to_bed",
  "opened",
  "closed",
  "no_activity",
  "activity",
  "locked",
  "unlocked"
])
/**
 * Every free-text field of a device event has a length limit: a sender's text travels to the
 * queue, the live stream and every operator's screen, so an unbounded one is a way to flood them.
 */
const ShortText = Schema.String.check(Schema.isMaxLength(128))

export const SensorPayload = Schema.Struct({
  sensor: SensorKind,
  state: SensorState,
  /** Where the sensor is, as the sender names it (e.g. "bedroom"). */
  placement: Schema.optionalKey(ShortText)
})

const Latitude = Schema.Finite.check(Schema.isBetween({ minimum: -90, maximum: 90 }))
const Longitude = Schema.Finite.check(Schema.isBetween({ minimum: -180, maximum: 180 }))
export const GpsPayload = Schema.Struct({
  lat: Latitude,
  lon: Longitude,
  accuracyM: Schema.optionalKey(Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0))),
  speedMps: Schema.optionalKey(Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0))),
  batteryPct: Schema.optionalKey(Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 100 }))),
  sos: Schema.optionalKey(Schema.Boolean)
})

export const MedicationEventKind = Schema.Literals([
  "dose_due",
  "dose_taken",
  "dose_missed",
  "dose_late",
  "dispenser_jammed",
  "refill_needed",
  "lid_open"
])
export const MedicationPayload = Schema.Struct({
  event: MedicationEventKind,
  doseId: Schema.optionalKey(ShortText),
  scheduledAt: Schema.optionalKey(Instant),
  critical: Schema.optionalKey(Schema.Boolean)
})

export const TechnicalEventKind = Schema.Literals([
  "heartbeat",
  "periodic_test",
  "low_battery",
  "power_lost",
  "power_restored",
  "communication_failure",
  "communication_restored",
  "tamper",
  "radio_jamming",
  "sensor_supervision_lost"
])
export const TechnicalPayload = Schema.Struct({
  event: TechnicalEventKind,
  batteryPct: Schema.optionalKey(Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 100 })))
})

// "engine": events triage synthesises for an absence (a silent device, a missed dose); not for senders.
export const Via = Schema.Literals(["http", "dc09", "osmand", "scaip", "webhook", "sim", "engine"])
export const EventSource = Schema.Struct({
  via: Via,
  vendor: Schema.optionalKey(ShortText),
  raw: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(8192)))
})

const common = {
  id: EventId,
  tenant: TenantId,
  deviceId: DeviceId,
  occurredAt: Instant,
  // Stamped by the gateway; a sender's value is overwritten.
  receivedAt: Schema.optionalKey(Instant),
  source: EventSource
}

export const SafetyAlarmEvent = Schema.Struct({ ...common, type: Schema.Literal("safety_alarm"), payload: SafetyAlarmPayload })
export const SensorEvent = Schema.Struct({ ...common, type: Schema.Literal("sensor"), payload: SensorPayload })
export const GpsEvent = Schema.Struct({ ...common, type: Schema.Literal("gps"), payload: GpsPayload })
export const MedicationEvent = Schema.Struct({ ...common, type: Schema.Literal("medication"), payload: MedicationPayload })
export const TechnicalEvent = Schema.Struct({ ...common, type: Schema.Literal("technical"), payload: TechnicalPayload })

/** The canonical device event, `wt.device-event/v1` (contract). */
export const DeviceEvent = Schema.Union([SafetyAlarmEvent, SensorEvent, GpsEvent, MedicationEvent, TechnicalEvent])
  .annotate({
    identifier: "DeviceEvent",
    title: "wt.device-event/v1",
    description: "Canonical device event accepted by POST /v1/events and carried on WT_DEVICE"
  })
export type DeviceEvent = typeof DeviceEvent.Type

/**
 * A payload field the contract does not name (contract: "add fields freely"): kept as sent, so a
 * sender's or a protocol receiver's own codes travel with the event. A scalar, as short as any
 * other free text, and at most `MaxPayloadFields` fields in all: extra fields must not become a
 * way to flood the queue and the operators' screens.
 */
export const PayloadExtraValue = Schema.Union([ShortText, Schema.Finite, Schema.Boolean, Schema.Null])
  .annotate({ identifier: "PayloadExtraValue", description: "A payload field the contract does not name: a string of at most 128 characters, a finite number, a boolean or null" })
export const MaxPayloadFields = 32

const openPayload = <S extends Schema.Struct<Schema.Struct.Fields>>(payload: S) =>
  Schema.StructWithRest(payload, [Schema.Record(Schema.String, PayloadExtraValue)]).check(Schema.isMaxProperties(MaxPayloadFields))

/** `via` as a sender may say it: "engine" is only for the events triage synthesises. */
export const SenderVia = Schema.Literals(["http", "dc09", "osmand", "scaip", "webhook", "sim"])
export const SenderEventSource = Schema.Struct({ ...EventSource.fields, via: SenderVia })

const senderCommon = { ...common, source: SenderEventSource }

/**
 * The device event as a sender writes it, `wt.device-event/v1` as published
 * (contracts/json-schema/device-event.v1.schema.json) and as the gateway decodes it (with
 * `SenderDecodeOptions`). The rule for properties the contract does not name:
 * - at the top level and in `source`, an unknown property is refused, with a reason naming it
 *   (a misspelt `occuredAt` must not pass as an event without its time);
 * - in `payload`, unknown properties are kept (see `PayloadExtraValue`).
 * What it decodes to is a `DeviceEvent`.
 */
export const SenderDeviceEvent = Schema.Union([
  Schema.Struct({ ...senderCommon, type: Schema.Literal("safety_alarm"), payload: openPayload(SafetyAlarmPayload) }),
  Schema.Struct({ ...senderCommon, type: Schema.Literal("sensor"), payload: openPayload(SensorPayload) }),
  Schema.Struct({ ...senderCommon, type: Schema.Literal("gps"), payload: openPayload(GpsPayload) }),
  Schema.Struct({ ...senderCommon, type: Schema.Literal("medication"), payload: openPayload(MedicationPayload) }),
  Schema.Struct({ ...senderCommon, type: Schema.Literal("technical"), payload: openPayload(TechnicalPayload) })
]).annotate({
  identifier: "SenderDeviceEvent",
  title: "wt.device-event/v1",
  description:
    "Canonical device event as a sender writes it, accepted by POST /v1/events. Unknown top-level and source properties are refused; " +
    "unknown payload properties are kept (scalars, at most 32 payload properties in all). `receivedAt` is stamped by the gateway."
})
export type SenderDeviceEvent = typeof SenderDeviceEvent.Type

/**
 * The options both sides of the device contract use: the gateway decodes with them, and the
 * published JSON Schema is generated with them (`additionalProperties: false` where unknown
 * properties are refused), so the two say the same.
 */
export const SenderDecodeOptions = { errors: "all", onExcessProperty: "error" } as const

const { source: _source, ...identity } = common

const headOf = <T extends DeviceEvent["type"], P extends Schema.Struct.Fields>(type: T, payload: P) =>
  Schema.Struct({ ...identity, type: Schema.Literal(type), payload: Schema.Struct(payload) })

/**
 * What names a stored device event: ids, times, type and the payload's discriminating field.
 * For a reader that keeps the event's bytes as stored (the audit trail) and need not check,
 * again, what the gateway checked before storing it.
 */
export const DeviceEventHead = Schema.Union([
  headOf("safety_alarm", { trigger: SafetyAlarmPayload.fields.trigger }),
  headOf("sensor", { sensor: SensorPayload.fields.sensor }),
  headOf("gps", { sos: GpsPayload.fields.sos }),
  headOf("medication", { event: MedicationPayload.fields.event }),
  headOf("technical", { event: TechnicalPayload.fields.event })
]).annotate({ identifier: "DeviceEventHead" })
export type DeviceEventHead = typeof DeviceEventHead.Type

// A device event is decoded once or more for every event the centre takes in (the gateway's check,
// triage's decode, the audit trail's head). Their decoders are compiled (Effect's JIT compiler),
// which decodes one in a third to a half of the time (pnpm bench decode). Enabled here, where the
// schemas are made, so that no decoder of them is made before. A decode with `errors: "all"` or
// `onExcessProperty` (the gateway's strict decode, which names every reason) stays interpreted.
// WT_SCHEMA_INTERPRETED=1 leaves them all interpreted: a property test decodes in a process with it
// and holds the compiled decoders to what it decodes (compiled-decoders.test.ts).
if (globalThis.process?.env?.["WT_SCHEMA_INTERPRETED"] !== "1") {
  for (const schema of [DeviceEvent, DeviceEventHead, SenderDeviceEvent]) SchemaJITCompiler.enable(schema.ast)
}
export type DeviceEventType = DeviceEvent["type"]
export const DeviceEventTypes = ["safety_alarm", "sensor", "gps", "medication", "technical"] as const
