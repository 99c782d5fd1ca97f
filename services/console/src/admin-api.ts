import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { AddressKind, DeviceType, GpsLegalBasis, Mobility, Role, SafetyAlarmTrigger, SensorKind } from "@wt/contracts"
import { Authentication, JsonOnly } from "./api-middleware.ts"
import { Forbidden, InvalidRegistryChange, RecordNotFound, UsernameInUse } from "./api-errors.ts"
import { Contact, ResidentCard } from "./resident-card.ts"

const Text = (max: number) => Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(max))
const IsoDate = Schema.String.check(Schema.isPattern(/^\d{4}-\d{2}-\d{2}$/u))
const Id = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/u))

export const AddressInput = Schema.Struct({
  kind: AddressKind,
  street: Text(200),
  postcode: Text(20),
  city: Text(100),
  /** Where responders are sent; absent when not yet geocoded. */
  lat: Schema.optionalKey(Schema.Finite.check(Schema.isBetween({ minimum: -90, maximum: 90 }))),
  lon: Schema.optionalKey(Schema.Finite.check(Schema.isBetween({ minimum: -180, maximum: 180 }))),
  /** A temporary address (a stay during a move, respite care) needs both dates. */
  validFrom: Schema.optionalKey(IsoDate),
  validTo: Schema.optionalKey(IsoDate)
}).annotate({ identifier: "AddressInput" })

export const ResidentInput = Schema.Struct({
  tenant: Id,
  displayName: Text(200),
  birthYear: Schema.Int.check(Schema.isBetween({ minimum: 1900, maximum: 2100 })),
  /** ISO 639 code: nb, nn, se, en, pl … */
  language: Schema.String.check(Schema.isPattern(/^[a-z]{2,3}$/u)),
  addresses: Schema.Array(AddressInput).check(Schema.isMinLength(1), Schema.isMaxLength(10)),
  /** Only what matters in an emergency. */
  healthNotes: Schema.Array(Text(300)).check(Schema.isMaxLength(20)),
  mobility: Mobility,
  keyAccess: Schema.Union([
    /** The code is write-only: left out, the stored code is kept (a key safe needs one stored already). */
    Schema.Struct({ kind: Schema.Literal("key_safe"), code: Schema.optionalKey(Text(40)) }),
    Schema.Struct({ kind: Schema.Literal("e_lock"), lockId: Text(64) }),
    Schema.Struct({ kind: Schema.Literal("none") })
  ]),
  dementia: Schema.Boolean,
  /** Required when the resident has a GPS tracker: consent, or a decision under § 4-6 a. */
  gpsLegalBasis: Schema.optionalKey(GpsLegalBasis),
  geofence: Schema.optionalKey(Schema.Struct({ lat: Schema.Finite, lon: Schema.Finite, radiusM: Schema.Finite.check(Schema.isBetween({ minimum: 50, maximum: 50_000 })) })),
  responsePlanId: Schema.String.check(Schema.isMaxLength(64))
}).annotate({ identifier: "ResidentInput" })

export const ContactsInput = Schema.Struct({
  /** In calling order. */
  contacts: Schema.Array(Schema.Struct({ name: Text(200), relation: Text(60), phone: Text(40), keyholder: Schema.Boolean })).check(Schema.isMaxLength(10))
}).annotate({ identifier: "ContactsInput" })

export const DeviceInput = Schema.Struct({
  tenant: Id,
  residentId: Id,
  type: DeviceType,
  /** Required for, and only for, sensors. */
  sensor: Schema.optionalKey(SensorKind),
  /** Where in the home (or on the person) the device is. */
  placement: Text(120),
  heartbeatIntervalS: Schema.Int.check(Schema.isBetween({ minimum: 10, maximum: 7 * 24 * 3600 })),
  active: Schema.Boolean,
  triggers: Schema.optionalKey(Schema.Array(SafetyAlarmTrigger))
}).annotate({ identifier: "DeviceInput" })

export const DeviceRecord = Schema.Struct({ id: Schema.String, ...DeviceInput.fields }).annotate({ identifier: "DeviceRecord" })

export const PlanEntryInput = Schema.Struct({
  /** "safety_alarm:fall_detector", "sensor:smoke" …, or the event type alone as the fallback. */
  alarmType: Schema.String.check(Schema.isPattern(/^[a-z_]+(:[a-z_]+)?$/u)),
  title: Text(200),
  steps: Schema.Array(Text(300)).check(Schema.isMinLength(1), Schema.isMaxLength(30))
})

export const PlanInput = Schema.Struct({
  tenant: Id,
  entries: Schema.Array(PlanEntryInput).check(Schema.isMinLength(1), Schema.isMaxLength(40))
}).annotate({ identifier: "PlanInput" })

export const PlanRecord = Schema.Struct({ id: Schema.String, ...PlanInput.fields }).annotate({ identifier: "PlanRecord" })

export const UserInput = Schema.Struct({
  username: Schema.String.check(Schema.isPattern(/^[a-z0-9][a-z0-9._-]{1,63}$/u)),
  displayName: Text(200),
  role: Role,
  /** The tenants the user works for (operator) or supervises. */
  tenants: Schema.Array(Id).check(Schema.isMinLength(1), Schema.isMaxLength(50)),
  /** Sets or resets the password (hashed with scrypt; the user's sessions end). Required for a new user. */
  password: Schema.optionalKey(Schema.String.check(Schema.isMinLength(10), Schema.isMaxLength(1024)))
}).annotate({ identifier: "UserInput" })

export const UserRecord = Schema.Struct({
  id: Schema.String,
  username: Schema.String,
  displayName: Schema.String,
  role: Role,
  tenants: Schema.Array(Schema.String)
}).annotate({ identifier: "UserRecord" })

export const ResidentSummary = Schema.Struct({
  id: Schema.String,
  tenant: Schema.String,
  displayName: Schema.String,
  devices: Schema.Int
}).annotate({ identifier: "ResidentSummary" })

const byId = { id: Id }
const denied = [Forbidden, RecordNotFound] as const
const refused = [Forbidden, RecordNotFound, InvalidRegistryChange] as const

/**
 * The registry, for administrators of the tenants concerned (403 for other roles, 404 for
 * another tenant's records). Every change is a `config_change` entry in WT_AUDIT.
 */
export class AdminApi extends HttpApiGroup.make("admin")
  .add(
    HttpApiEndpoint.get("residents", "/admin/residents", { success: Schema.Array(ResidentSummary), error: Forbidden }),
    HttpApiEndpoint.get("resident", "/admin/residents/:id", { params: byId, success: ResidentCard, error: denied })
      .annotate(OpenApi.Description, "The full record, for editing; audited as a `record_view` like the resident card."),
    HttpApiEndpoint.put("putResident", "/admin/residents/:id", { params: byId, payload: ResidentInput, success: HttpApiSchema.NoContent, error: refused })
      .annotate(OpenApi.Description, "Creates or replaces a resident's record and addresses (a temporary address with its dates)."),
    HttpApiEndpoint.put("putContacts", "/admin/residents/:id/contacts", { params: byId, payload: ContactsInput, success: HttpApiSchema.NoContent, error: refused }),
    HttpApiEndpoint.get("devices", "/admin/devices", { success: Schema.Array(DeviceRecord), error: Forbidden }),
    HttpApiEndpoint.put("putDevice", "/admin/devices/:id", { params: byId, payload: DeviceInput, success: DeviceRecord, error: refused })
      .annotate(OpenApi.Description, "Creates or changes a device. Triage caches device owners ~10 s and absence supervision re-reads the fleet every minute: a change takes effect within that."),
    HttpApiEndpoint.get("plans", "/admin/plans", { success: Schema.Array(PlanRecord), error: Forbidden }),
    HttpApiEndpoint.put("putPlan", "/admin/plans/:id", { params: byId, payload: PlanInput, success: PlanRecord, error: refused }),
    HttpApiEndpoint.get("users", "/admin/users", { success: Schema.Array(UserRecord), error: Forbidden }),
    HttpApiEndpoint.put("putUser", "/admin/users/:id", { params: byId, payload: UserInput, success: UserRecord, error: [...refused, UsernameInUse] })
  )
  .middleware(JsonOnly)
  .middleware(Authentication)
  .prefix("/api")
{}

export { Contact }
