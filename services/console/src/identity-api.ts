import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { IdentityTaken, Protocols } from "@wt/registry"
import { Authentication, JsonOnly } from "./api-middleware.ts"
import { Forbidden, InvalidRegistryChange, RecordNotFound } from "./api-errors.ts"

const Id = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/u))
const Protocol = Schema.Literals(Protocols).annotate({ identifier: "WireProtocol" })
const Short = (max: number) => Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(max))

/**
 * A device's identity on one protocol's wire as an administrator sets it. Whether each value
 * fits its protocol (hex digits for DC-09, a vendor for webhooks only …) is checked by the
 * registry, which answers 400 with the reason.
 */
export const WireIdentityInput = Schema.Struct({
  /** DC-09 account (3-16 hex digits), SCAIP controller id (or controller/device), OsmAnd device id, or the vendor's id. */
  identity: Short(64),
  /** Webhooks only: the vendor whose platform posts for the device. */
  vendor: Schema.optionalKey(Short(40)),
  /** DC-09 only: the receiver number (`R`) and line prefix (`L`) the unit sends with, when it is bound to them. */
  receiver: Schema.optionalKey(Short(6)),
  line: Schema.optionalKey(Short(6)),
  /**
   * DC-09 only, write-only: the AES key (32, 48 or 64 hex digits). Absent: the present key stays.
   * `null`: the identity has no key any more (the unit sends in the clear). Never answered.
   * Checked without being repeated in any answer or log.
   */
  key: Schema.optionalKey(Schema.NullOr(Schema.RedactedFromValue(Schema.String)).annotate({
    description: "DC-09 only, write-only: the AES key in hex (32, 48 or 64 digits). Omitted: the present key stays. null: the key is removed. Never answered: reads show keyHint."
  }))
}).annotate({ identifier: "WireIdentityInput" })

/** A device's identity as shown: of the key only that there is one and its last four hex digits. */
export const WireIdentityView = Schema.Struct({
  protocol: Protocol,
  identity: Schema.String,
  vendor: Schema.optionalKey(Schema.String),
  receiver: Schema.optionalKey(Schema.String),
  line: Schema.optionalKey(Schema.String),
  /** "…0e0f" when a key is set; absent when the unit sends in the clear. */
  keyHint: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "WireIdentityView" })

const ofDevice = { tenant: Id, id: Id }
const ofProtocol = { ...ofDevice, protocol: Protocol }

/**
 * How a device is known on the alarm protocols' wires (DC-09, SCAIP, OsmAnd, vendor webhooks),
 * for administrators of the device's tenant (403 for other roles, 404 for another tenant's
 * device). Every change is a `config_change` entry (`device_identity`) in WT_AUDIT naming the
 * fields changed; of the key, only that it changed.
 */
export class DeviceIdentitiesApi extends HttpApiGroup.make("deviceIdentities")
  .add(
    HttpApiEndpoint.get("list", "/admin/devices/:tenant/:id/identities", { params: ofDevice, success: Schema.Array(WireIdentityView), error: [Forbidden, RecordNotFound] })
      .annotate(OpenApi.Description, "The device's identity on each protocol it is set up for; of a DC-09 key only `keyHint`, its last four hex digits."),
    HttpApiEndpoint.put("put", "/admin/devices/:tenant/:id/identities/:protocol", {
      params: ofProtocol,
      payload: WireIdentityInput,
      success: WireIdentityView,
      error: [Forbidden, RecordNotFound, InvalidRegistryChange, IdentityTaken]
    }).annotate(
      OpenApi.Description,
      "Sets (or replaces) the device's identity on `protocol`. Identities are unique across the installation: one another device has is 409. " +
        "`key` (DC-09, write-only): omit it to keep the present key, send a new one to replace it, send `null` to remove it; the answer and every later read show only `keyHint`. " +
        "Receivers remember identities for up to 10 s: a change reaches them within that."
    ),
    HttpApiEndpoint.delete("remove", "/admin/devices/:tenant/:id/identities/:protocol", { params: ofProtocol, success: HttpApiSchema.NoContent, error: [Forbidden, RecordNotFound] })
      .annotate(OpenApi.Description, "Removes the device's identity on `protocol` (with its key): frames naming it are refused as from an unknown sender. 404 when it has none.")
  )
  .middleware(JsonOnly)
  .middleware(Authentication)
  .prefix("/api")
{}
