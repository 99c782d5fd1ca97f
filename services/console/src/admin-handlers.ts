import { residentCardOf } from "./resident-card.ts"
import { randomUUID } from "node:crypto"
import { Clock, Effect, Option } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { appendAuditEntry } from "@wt/audit-log"
import { hashPassword, Registry, RegistryAdmin, type ResidentRecord, type User } from "@wt/registry"
import { ConsoleApi } from "./api.ts"
import { administrator, makeConfigAudit, notFound, ownTenant } from "./admin-access.ts"
import { Forbidden, InvalidRegistryChange, UsernameInUse } from "./api-errors.ts"
import { actorOf } from "./incident-commands.ts"

const invalid = (message: string) => new InvalidRegistryChange({ message })

/**
 * What an administrator writes of a resident, in the shape it is compared and audited in. The
 * key-safe code is compared in the clear here and never leaves: config-change.ts lists it as
 * changed only, with no value at all.
 */
const residentFields = (r: Omit<ResidentRecord, "id" | "contacts" | "devices" | "responsePlan" | "keyAccess"> & { readonly keyAccess: unknown }) => ({
  displayName: r.displayName,
  birthYear: r.birthYear,
  language: r.language,
  addresses: r.addresses.map((a) => ({ ...a, lat: Number.isFinite(a.lat) ? a.lat : null, lon: Number.isFinite(a.lon) ? a.lon : null })),
  healthNotes: r.healthNotes,
  mobility: r.mobility,
  keyAccess: r.keyAccess,
  dementia: r.dementia,
  gpsLegalBasis: r.gpsLegalBasis ?? null,
  geofence: r.geofence ?? null,
  responsePlanId: r.responsePlanId
})

const checkAddresses = (addresses: ReadonlyArray<{ readonly kind: string; readonly validFrom?: string; readonly validTo?: string }>) => {
  if (!addresses.some((a) => a.kind === "home")) return Effect.fail(invalid("a resident needs a home address"))
  for (const a of addresses) {
    if (a.kind === "temporary" && (a.validFrom === undefined || a.validTo === undefined)) {
      return Effect.fail(invalid("a temporary address needs validFrom and validTo"))
    }
    if (a.validFrom !== undefined && a.validTo !== undefined && a.validTo < a.validFrom) {
      return Effect.fail(invalid("an address cannot end before it starts"))
    }
  }
  return Effect.void
}

/**
 * `/api/admin/…`: the registry for administrators. Each change is written to the registry,
 * then audited as `config_change` (who, when, which record, each changed field before and
 * after; residents' values as keyed HMACs only, key codes and health facts not even that: see
 * @wt/audit-log's config-change.ts). The audit write failing is a 500: the change is
 * then in the registry unaudited, which the log says, rather than silently.
 */
export const AdminHandlers = HttpApiBuilder.group(
  ConsoleApi,
  "admin",
  Effect.fn(function*(handlers) {
    const admin = yield* RegistryAdmin
    const registry = yield* Registry
    const audit = yield* makeConfigAudit

    /** The resident, if it is in one of the administrator's tenants. */
    const residentOf = Effect.fn("Console.adminResident")(function*(user: User, residentId: string) {
      const tenant = yield* admin.residentTenant(user.tenants, residentId).pipe(Effect.orDie)
      if (Option.isNone(tenant)) return Option.none<ResidentRecord>()
      return yield* registry.resident(tenant.value, residentId).pipe(Effect.orDie)
    })

    return handlers
      .handle("residents", () =>
        Effect.gen(function*() {
          const user = yield* administrator
          return yield* admin.residents(user.tenants).pipe(Effect.orDie)
        }))
      .handle("resident", ({ params }) =>
        Effect.gen(function*() {
          const user = yield* administrator
          const record = yield* residentOf(user, params.id)
          if (Option.isNone(record)) return yield* notFound("resident", params.id)
          const at = new Date(yield* Clock.currentTimeMillis).toISOString()
          yield* appendAuditEntry({
            id: `view-${randomUUID()}`,
            tenant: record.value.tenant,
            kind: "record_view",
            at,
            actor: actorOf(user),
            subject: { residentId: params.id },
            summary: "resident record viewed for administration",
            data: { role: user.role }
          }).pipe(Effect.orDie)
          return residentCardOf(record.value)
        }))
      .handle("putResident", ({ params, payload }) =>
        Effect.gen(function*() {
          const user = yield* administrator
          const existing = yield* residentOf(user, params.id)
          if (Option.isSome(existing) && existing.value.tenant !== payload.tenant) {
            return yield* invalid("a resident cannot move between tenants")
          }
          yield* ownTenant(user, payload.tenant)
          yield* checkAddresses(payload.addresses)
          if (payload.responsePlanId !== "") {
            const plans = yield* admin.plans([payload.tenant]).pipe(Effect.orDie)
            if (!plans.some((p) => p.id === payload.responsePlanId)) return yield* invalid(`no response plan ${payload.responsePlanId} in ${payload.tenant}`)
          }
          const input = { ...payload, addresses: payload.addresses.map((a) => ({ ...a, lat: a.lat ?? Number.NaN, lon: a.lon ?? Number.NaN })) }
          // The stored code, opened only to tell whether the administrator changed it (a code left out is kept).
          let storedAccess: unknown = undefined
          if (Option.isSome(existing)) {
            storedAccess = existing.value.keyAccess.kind !== "key_safe" ? existing.value.keyAccess : {
              kind: "key_safe",
              code: Option.getOrUndefined(yield* registry.keySafeCode(existing.value.tenant, params.id).pipe(Effect.orDie))
            }
          }
          const keepsCode = payload.keyAccess.kind === "key_safe" && payload.keyAccess.code === undefined
          const writtenAccess: unknown = keepsCode && Option.isSome(existing) && existing.value.keyAccess.kind === "key_safe" ? storedAccess : payload.keyAccess
          yield* admin.putResident(params.id, input).pipe(
            Effect.catchTag("KeySafeCodeMissing", () => Effect.fail(invalid("a key safe needs its code: none is stored to keep"))),
            Effect.catchTag(["SqlError", "RegistryRowInvalid", "KeySafeCodeUnavailable"], Effect.die)
          )
          yield* audit({
            tenant: payload.tenant,
            entity: "resident",
            entityId: params.id,
            subject: { residentId: params.id },
            before: Option.isSome(existing) ? residentFields({ ...existing.value, keyAccess: storedAccess }) : undefined,
            after: residentFields({ ...input, keyAccess: writtenAccess }),
            disclose: false
          }, user)
        }))
      .handle("putContacts", ({ params, payload }) =>
        Effect.gen(function*() {
          const user = yield* administrator
          const existing = yield* residentOf(user, params.id)
          if (Option.isNone(existing)) return yield* notFound("resident", params.id)
          yield* admin.putContacts(existing.value.tenant, params.id, payload.contacts).pipe(Effect.orDie)
          yield* audit({
            tenant: existing.value.tenant,
            entity: "contacts",
            entityId: params.id,
            subject: { residentId: params.id },
            before: { contacts: existing.value.contacts },
            after: { contacts: payload.contacts },
            disclose: false
          }, user)
        }))
      .handle("devices", () =>
        Effect.gen(function*() {
          const user = yield* administrator
          return yield* admin.devices(user.tenants).pipe(Effect.orDie)
        }))
      .handle("putDevice", ({ params, payload }) =>
        Effect.gen(function*() {
          const user = yield* administrator
          const existing = yield* admin.device(user.tenants, params.id).pipe(Effect.orDie)
          if (Option.isSome(existing) && existing.value.tenant !== payload.tenant) {
            return yield* invalid("a device cannot move between tenants")
          }
          yield* ownTenant(user, payload.tenant)
          if ((payload.type === "sensor") !== (payload.sensor !== undefined)) return yield* invalid("a sensor needs its kind, and only a sensor has one")
          if (payload.triggers !== undefined && payload.type !== "safety_alarm") return yield* invalid("only a safety alarm has triggers")
          const owner = yield* admin.residentTenant([payload.tenant], payload.residentId).pipe(Effect.orDie)
          if (Option.isNone(owner)) return yield* notFound("resident", payload.residentId)
          yield* admin.putDevice(params.id, payload).pipe(Effect.orDie)
          yield* audit({
            tenant: payload.tenant,
            entity: "device",
            entityId: params.id,
            subject: { deviceId: params.id, residentId: payload.residentId },
            before: Option.getOrUndefined(Option.map(existing, ({ id: _, ...rest }) => rest)),
            after: { ...payload },
            disclose: true
          }, user)
          return { id: params.id, ...payload }
        }))
      .handle("plans", () =>
        Effect.gen(function*() {
          const user = yield* administrator
          return yield* admin.plans(user.tenants).pipe(Effect.orDie)
        }))
      .handle("putPlan", ({ params, payload }) =>
        Effect.gen(function*() {
          const user = yield* administrator
          yield* ownTenant(user, payload.tenant)
          if (new Set(payload.entries.map((e) => e.alarmType)).size !== payload.entries.length) {
            return yield* invalid("one checklist per alarm type")
          }
          const existing = (yield* admin.plans([payload.tenant]).pipe(Effect.orDie)).find((p) => p.id === params.id)
          const plan = { id: params.id, tenant: payload.tenant, entries: payload.entries }
          yield* admin.putPlan(plan).pipe(Effect.orDie)
          yield* audit({
            tenant: payload.tenant,
            entity: "response_plan",
            entityId: params.id,
            subject: {},
            before: existing === undefined ? undefined : { entries: existing.entries },
            after: { entries: payload.entries },
            disclose: true
          }, user)
          return plan
        }))
      .handle("users", () =>
        Effect.gen(function*() {
          const user = yield* administrator
          // Staff of the administrator's tenants: anyone sharing one of them.
          return (yield* admin.users().pipe(Effect.orDie)).filter((u) => u.tenants.some((t) => user.tenants.includes(t)))
        }))
      .handle("putUser", ({ params, payload }) =>
        Effect.gen(function*() {
          const user = yield* administrator
          const existing = yield* admin.user(params.id).pipe(Effect.orDie)
          if (Option.isSome(existing)) {
            if (!existing.value.tenants.some((t) => user.tenants.includes(t))) return yield* notFound("user", params.id)
            // Someone who also works for a tenant this administrator does not administer is theirs to change too.
            const foreign = existing.value.tenants.filter((t) => !user.tenants.includes(t))
            if (foreign.length > 0) return yield* new Forbidden({ message: `user ${params.id} also belongs to ${foreign.join(", ")}` })
          } else if (payload.password === undefined) {
            return yield* invalid("a new user needs a password")
          }
          for (const tenant of payload.tenants) yield* ownTenant(user, tenant)
          const passwordHash = payload.password === undefined ? undefined : yield* Effect.promise(() => hashPassword(payload.password!))
          const { password: _, ...fields } = payload
          yield* admin.putUser(params.id, fields, passwordHash).pipe(
            Effect.catchTag("UsernameTaken", (e) => Effect.fail(new UsernameInUse({ message: `username ${e.username} is taken` }))),
            Effect.catchTag("SqlError", Effect.die)
          )
          const before = Option.map(existing, ({ id: _, ...rest }) => rest)
          // That a password was set is audited; the password, not even hashed, is not.
          const after = { ...fields, ...(passwordHash !== undefined ? { password: "set" } : {}) }
          // One entry per tenant the change concerns, so each tenant's trail is complete.
          const tenants = new Set([...payload.tenants, ...Option.match(existing, { onNone: () => [], onSome: (u) => u.tenants })])
          for (const tenant of tenants) {
            yield* audit({
              tenant,
              entity: "user",
              entityId: params.id,
              subject: {},
              before: Option.getOrUndefined(before),
              after,
              disclose: true
            }, user)
          }
          return { id: params.id, ...fields }
        }))
  })
)
