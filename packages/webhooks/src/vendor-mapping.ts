import { DeviceEventTypes, MedicationEventKind, SafetyAlarmTrigger, SensorKind, SensorState, TechnicalEventKind } from "@wt/contracts"
import { Result, Schema, SchemaIssue } from "effect"
import { isPointer } from "./json-pointer.ts"

/**
 * A vendor's webhook, described as data: where in its JSON the device, the time, the event id and
 * the kind of event are (JSON pointers), what each kind means canonically, and how its requests are
 * signed. One JSON file per vendor (packages/webhooks/vendors/<vendor>.json), checked by this
 * Schema at start: a bad mapping is refused before the receiver takes a single request.
 */

const Pointer = Schema.String.check(
  Schema.makeFilter((s: string) => (isPointer(s) ? undefined : "must be a JSON pointer (RFC 6901), e.g. \"/device/serial\" or \"\" for the whole value"))
)

const HeaderName = Schema.String.check(
  Schema.isPattern(/^[a-z0-9][a-z0-9-]{0,63}$/u, { message: "must be a lower-case HTTP header name, e.g. \"x-signature\"" })
)

/** A part of what is signed: the raw body, the timestamp header's value, or any header's value. */
const SignedPart = Schema.Union([
  Schema.Literal("body"),
  Schema.Literal("timestamp"),
  Schema.String.check(Schema.isPattern(/^header:[a-z0-9][a-z0-9-]{0,63}$/u, { message: "must be \"body\", \"timestamp\" or \"header:<name>\"" }))
])

export const SignatureScheme = Schema.Struct({
  algorithm: Schema.Literal("hmac-sha256"),
  /** The header carrying the signature; several space-separated candidates are allowed (key rotation). */
  header: HeaderName,
  encoding: Schema.Literals(["hex", "base64"]),
  /** Stripped from each candidate before decoding, e.g. "sha256=" or "v1,". */
  prefix: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(16))),
  /** What the HMAC is computed over, joined by `separator`. Must include the body. */
  signedContent: Schema.Array(SignedPart).check(
    Schema.makeFilter((parts: ReadonlyArray<string>) => (parts.includes("body") ? undefined : "must include \"body\": a signature that does not cover the body proves nothing about it"))
  ),
  separator: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(4))),
  /**
   * The sender's signed clock, against replay. The tolerance may not exceed WT_DEVICE's 2-minute
   * de-duplication window: inside it a replay collapses, past it the timestamp refuses it.
   */
  timestamp: Schema.optionalKey(
    Schema.Struct({
      header: HeaderName,
      unit: Schema.Literals(["seconds", "milliseconds"]),
      toleranceSeconds: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 120 }))
    })
  )
}).check(
  Schema.makeFilter((scheme) =>
    scheme.signedContent.includes("timestamp") && scheme.timestamp === undefined ? "signedContent names \"timestamp\" but no timestamp header is set" : undefined
  )
)
export type SignatureScheme = typeof SignatureScheme.Type

const Scalar = Schema.Union([Schema.String, Schema.Number, Schema.Boolean])

/** A payload field taken from the vendor's event: a pointer (copied as it is) or a pointer and a conversion. */
const CopySpec = Schema.Union([
  Pointer,
  Schema.Struct({ from: Pointer, as: Schema.Literals(["string", "number", "boolean", "time", "percent-from-fraction"]) })
])
export type CopySpec = typeof CopySpec.Type

const discriminatorProblem = (type: string, payload: Readonly<Record<string, unknown>>, copy: Readonly<Record<string, unknown>>): string | undefined => {
  const fixed = (name: string, allowed: { readonly literals: ReadonlyArray<string> }) => {
    if (name in copy) return undefined
    return allowed.literals.includes(payload[name] as string)
      ? undefined
      : `payload.${name} ${JSON.stringify(payload[name]) ?? "(missing)"} is not one of the contract's values for ${type}: ${allowed.literals.join(", ")}`
  }
  switch (type) {
    case "safety_alarm":
      return fixed("trigger", SafetyAlarmTrigger)
    case "sensor":
      return fixed("sensor", SensorKind) ?? fixed("state", SensorState)
    case "medication":
      return fixed("event", MedicationEventKind)
    case "technical":
      return fixed("event", TechnicalEventKind)
    case "gps":
      return "lat" in copy && "lon" in copy ? undefined : "a gps kind must copy lat and lon"
    default:
      return `unknown type ${type}`
  }
}

export const KindMapping = Schema.Struct({
  type: Schema.Literals(DeviceEventTypes),
  /** Fixed payload fields, e.g. { "event": "dose_missed" }. */
  payload: Schema.Record(Schema.String, Scalar),
  /** Payload fields read from the vendor's event, e.g. { "doseId": "/dose/id" }. */
  copy: Schema.optionalKey(Schema.Record(Schema.String, CopySpec)),
  description: Schema.optionalKey(Schema.String)
}).check(Schema.makeFilter((kind) => discriminatorProblem(kind.type, kind.payload, kind.copy ?? {})))
export type KindMapping = typeof KindMapping.Type

export const VendorMapping = Schema.Struct({
  /** Where the mapping came from: the public documentation it is modelled on. */
  $comment: Schema.optionalKey(Schema.String),
  /** The `{vendor}` of `POST /v1/webhooks/{vendor}`, also `source.vendor` on every event. */
  vendor: Schema.String.check(Schema.isPattern(/^[a-z0-9][a-z0-9-]{0,31}$/u, { message: "must be 1-32 of a-z, 0-9 and -" })),
  /** The mapping's own version: change it with any change to kinds, recorded on every event. */
  version: Schema.String.check(Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/u, { message: "must be 1-32 of letters, digits, . _ -" })),
  modelledOn: Schema.Array(Schema.String),
  signature: SignatureScheme,
  /** Where the vendor's events are: an array (several events) or an object (one); "" for the body itself. */
  events: Pointer,
  fields: Schema.Struct({
    deviceId: Pointer,
    kind: Pointer,
    occurredAt: Pointer,
    /** The vendor's own id for the event; without one, a digest of the event's JSON stands in. */
    eventId: Schema.optionalKey(Pointer)
  }),
  time: Schema.Literals(["iso-8601", "unix-seconds", "unix-milliseconds"]),
  kinds: Schema.Record(Schema.String, KindMapping).check(
    Schema.makeFilter((kinds: Readonly<Record<string, unknown>>) => (Object.keys(kinds).length > 0 ? undefined : "must map at least one kind"))
  )
})
export type VendorMapping = typeof VendorMapping.Type

export interface LoadedMapping {
  readonly mapping: VendorMapping
  /** Things a mapping may do but should know it does (e.g. no replay timestamp). */
  readonly warnings: ReadonlyArray<string>
}

const decode = Schema.decodeUnknownResult(VendorMapping)
const formatIssue = SchemaIssue.makeFormatterDefault()

/**
 * Checks a vendor mapping (parsed JSON, or its text). The message of a refusal names the vendor
 * file's offending path, for the start-up log: "kinds.dose.taken.payload.event: …".
 */
export const loadVendorMapping = (json: unknown): Result.Result<LoadedMapping, string> => {
  let value = json
  if (typeof json === "string") {
    try {
      value = JSON.parse(json)
    } catch (error) {
      return Result.fail(`vendor mapping is not JSON: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  const decoded = decode(value, { errors: "all", onExcessProperty: "error" })
  if (Result.isFailure(decoded)) {
    const vendor = typeof value === "object" && value !== null && typeof (value as { vendor?: unknown }).vendor === "string" ? ` "${(value as { vendor: string }).vendor}"` : ""
    return Result.fail(`vendor mapping${vendor} refused: ${formatIssue(decoded.failure.issue)}`)
  }
  const mapping = decoded.success
  const warnings: Array<string> = []
  if (mapping.signature.timestamp === undefined) {
    warnings.push(`${mapping.vendor}: no signed timestamp; a captured request can be replayed once WT_DEVICE's 2-minute de-duplication window has passed`)
  } else if (!mapping.signature.signedContent.includes("timestamp") && !mapping.signature.signedContent.includes(`header:${mapping.signature.timestamp.header}`)) {
    warnings.push(`${mapping.vendor}: the timestamp header is not signed, so it does not stop a replay`)
  }
  if (mapping.fields.eventId === undefined) warnings.push(`${mapping.vendor}: no vendor event id; events are identified by a digest of their JSON`)
  return Result.succeed({ mapping, warnings })
}
