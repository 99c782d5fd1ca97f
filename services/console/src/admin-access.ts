import { randomUUID } from "node:crypto"
import { Clock, Effect } from "effect"
import type { AuditEntry } from "@wt/contracts"
import { appendAuditEntry, type ConfigChange, configChangeEntry, loadAuditFieldKey } from "@wt/audit-log"
import type { User } from "@wt/registry"
import { CurrentSession } from "./api-middleware.ts"
import { Forbidden, RecordNotFound } from "./api-errors.ts"
import { actorOf } from "./incident-commands.ts"

// What every registry handler starts with: who may change the registry, and how a change is audited.

/** Administrators only; which tenants they may touch is checked per record. */
export const administrator = Effect.gen(function*() {
  const { user } = yield* CurrentSession
  if (user.role !== "admin") return yield* new Forbidden({ message: `a ${user.role} may not change the registry` })
  return user
})

export const notFound = (kind: string, id: string) => new RecordNotFound({ kind, id })

/** The tenant a record is in (or goes to) must be one the administrator administers: otherwise it does not exist for them. */
export const ownTenant = (user: User, tenant: string) =>
  user.tenants.includes(tenant) ? Effect.void : Effect.fail(notFound("tenant", tenant))

/**
 * Writes a registry change as a `config_change` entry (see @wt/audit-log's config-change.ts
 * for what of the values it keeps). Made once per handler group: it loads the field key.
 * The audit write failing is a 500: the change is then in the registry unaudited, which
 * the log says, rather than silently.
 */
export const makeConfigAudit = Effect.gen(function*() {
  const fieldKey = yield* loadAuditFieldKey()
  return Effect.fn("Console.auditConfigChange")(function*(change: Omit<ConfigChange, "id" | "at" | "actor">, user: User) {
    const at = new Date(yield* Clock.currentTimeMillis).toISOString()
    const entry: AuditEntry = configChangeEntry({ ...change, id: `cfg-${randomUUID()}`, at, actor: actorOf(user) }, fieldKey)
    yield* appendAuditEntry(entry).pipe(
      Effect.tapError(() => Effect.logError("registry changed but its audit entry was not written").pipe(Effect.annotateLogs({ entity: change.entity, entityId: change.entityId }))),
      Effect.orDie
    )
    yield* Effect.logInfo("registry changed").pipe(Effect.annotateLogs({ entity: change.entity, entityId: change.entityId, userId: user.id }))
  })
})
