import { Effect, Option } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { Registry } from "@wt/registry"
import { ConsoleApi, CurrentSession } from "./api.ts"
import { RecordNotFound } from "./api-errors.ts"
import { ResidentAccess } from "./resident-access.ts"

/**
 * `POST /api/residents/{id}/key-safe-code`: the code, opened only now, for someone who may read
 * the resident's record now; the reveal is audited (an entry of its own, never holding the code)
 * before the code leaves the server.
 */
export const KeySafeHandlers = HttpApiBuilder.group(
  ConsoleApi,
  "keySafe",
  Effect.fn(function*(handlers) {
    const access = yield* ResidentAccess
    const registry = yield* Registry

    return handlers.handle("reveal", ({ params, query }) =>
      Effect.gen(function*() {
        const { user } = yield* CurrentSession
        const record = yield* access.readable(user, params.id, query.incident)
        if (record.keyAccess.kind !== "key_safe") return yield* new RecordNotFound({ kind: "key safe", id: params.id })
        // A code that cannot be opened (another installation's key, an altered value) is a 500 and logged, never guessed at.
        const code = yield* registry.keySafeCode(record.tenant, record.id).pipe(
          Effect.tapError((e) => Effect.logError("key-safe code cannot be opened").pipe(Effect.annotateLogs({ residentId: record.id, reason: e._tag }))),
          Effect.orDie
        )
        if (Option.isNone(code)) return yield* new RecordNotFound({ kind: "key safe", id: params.id })
        yield* access.audit(user, record, query.incident, {
          summary: query.incident !== undefined
            ? `key-safe code revealed to ${user.role} ${user.id} for incident ${query.incident}`
            : `key-safe code revealed to ${user.role} ${user.id} without an incident`,
          data: { revealed: "key_safe_code" }
        })
        yield* Effect.logInfo("key-safe code revealed").pipe(Effect.annotateLogs({ userId: user.id, residentId: record.id }))
        return { residentId: record.id, code: code.value }
      }))
  })
)
