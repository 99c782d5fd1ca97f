import { Effect, Option, type Redacted } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import type { SqlError } from "effect/sql/SqlError"
import { DeviceIdentities, type Protocol, RegistryAdmin, type User, type WireIdentityView } from "@wt/registry"
import { administrator, makeConfigAudit, notFound, ownTenant } from "./admin-access.ts"
import { ConsoleApi } from "./api.ts"
import { InvalidRegistryChange } from "./api-errors.ts"

/**
 * An identity in the shape it is compared and audited in. Of the key only a marker: `key` is
 * one of the fields a `config_change` entry names without any value, so the marker never
 * reaches the trail; it only makes a new, kept or removed key count as changed or not.
 */
const auditedFields = (identity: Omit<WireIdentityView, "protocol" | "keyHint">, key: "present" | "replaced" | undefined) => ({
  identity: identity.identity,
  ...(identity.vendor !== undefined ? { vendor: identity.vendor } : {}),
  ...(identity.receiver !== undefined ? { receiver: identity.receiver } : {}),
  ...(identity.line !== undefined ? { line: identity.line } : {}),
  ...(key !== undefined ? { key } : {})
})

/**
 * A database failure, without the driver's details: PostgreSQL's detail of a refused row
 * lists the row's values, the key among them, and a defect's cause is logged.
 */
const storeFailed = (what: string) => (e: SqlError) => Effect.die(new Error(`${what}: the database refused it (${e.reason._tag})`))

/**
 * `/api/admin/devices/{tenant}/{id}/identities`: the devices' identities on the alarm
 * protocols' wires, for administrators. The DC-09 key goes in and is never answered, logged
 * or audited: reads show its last four hex digits (`keyHint`), the audit names `key` as changed.
 */
export const DeviceIdentityHandlers = HttpApiBuilder.group(
  ConsoleApi,
  "deviceIdentities",
  Effect.fn(function*(handlers) {
    const admin = yield* RegistryAdmin
    const identities = yield* DeviceIdentities
    const audit = yield* makeConfigAudit

    /** The device, if it is in `tenant` and the administrator administers that tenant. */
    const deviceOf = Effect.fn("Console.identityDevice")(function*(user: User, tenant: string, deviceId: string) {
      yield* ownTenant(user, tenant)
      const device = yield* admin.device([tenant], deviceId).pipe(Effect.orDie)
      if (Option.isNone(device)) return yield* notFound("device", deviceId)
      return device.value
    })

    const presentOn = (tenant: string, deviceId: string, protocol: Protocol) =>
      Effect.map(identities.ofDevice(tenant, deviceId).pipe(Effect.orDie), (all) => all.find((i) => i.protocol === protocol))

    return handlers
      .handle("list", ({ params }) =>
        Effect.gen(function*() {
          const user = yield* administrator
          yield* deviceOf(user, params.tenant, params.id)
          return yield* identities.ofDevice(params.tenant, params.id).pipe(Effect.orDie)
        }))
      .handle("put", ({ params, payload }) =>
        Effect.gen(function*() {
          const user = yield* administrator
          const device = yield* deviceOf(user, params.tenant, params.id)
          const before = yield* presentOn(params.tenant, params.id, params.protocol)
          const key: Redacted.Redacted<string> | undefined = payload.key ?? undefined
          const shown = yield* identities.assign(params.tenant, params.id, {
            protocol: params.protocol,
            identity: payload.identity,
            ...(payload.vendor !== undefined ? { vendor: payload.vendor } : {}),
            ...(payload.receiver !== undefined ? { receiver: payload.receiver } : {}),
            ...(payload.line !== undefined ? { line: payload.line } : {}),
            ...(key !== undefined ? { key } : {})
          }, { keepKey: payload.key === undefined }).pipe(
            Effect.catchTags({
              // The registry's reasons never repeat the key.
              IdentityInvalid: (e) => Effect.fail(new InvalidRegistryChange({ message: e.message })),
              // Deleted between the check above and the write.
              IdentityDeviceNotFound: () => Effect.fail(notFound("device", params.id)),
              SqlError: storeFailed("device identity not stored"),
              RegistryRowInvalid: Effect.die
            })
          )
          const hadKey = before?.keyHint !== undefined
          yield* audit({
            tenant: params.tenant,
            entity: "device_identity",
            entityId: `${params.id}/${params.protocol}`,
            subject: { deviceId: params.id, residentId: device.residentId },
            before: before === undefined ? undefined : auditedFields(before, hadKey ? "present" : undefined),
            after: auditedFields(shown, key !== undefined ? "replaced" : shown.keyHint !== undefined ? "present" : undefined),
            disclose: true
          }, user)
          return shown
        }))
      .handle("remove", ({ params }) =>
        Effect.gen(function*() {
          const user = yield* administrator
          const device = yield* deviceOf(user, params.tenant, params.id)
          const before = yield* presentOn(params.tenant, params.id, params.protocol)
          if (before === undefined) return yield* notFound("identity", `${params.id}/${params.protocol}`)
          const removed = yield* identities.remove(params.tenant, params.id, params.protocol).pipe(Effect.catchTag("SqlError", storeFailed("device identity not removed")))
          // Removed by someone else meanwhile: their change is the audited one.
          if (!removed) return yield* notFound("identity", `${params.id}/${params.protocol}`)
          yield* audit({
            tenant: params.tenant,
            entity: "device_identity",
            entityId: `${params.id}/${params.protocol}`,
            subject: { deviceId: params.id, residentId: device.residentId },
            before: auditedFields(before, before.keyHint !== undefined ? "present" : undefined),
            after: {},
            disclose: true
          }, user)
        }))
  })
)
