import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { residentLabels } from "@wt/registry"
import { residentCardOf } from "./resident-card.ts"
import { ConsoleApi, CurrentSession } from "./api.ts"
import { ResidentAccess } from "./resident-access.ts"

/**
 * `GET /api/residents/{id}`: a resident of the caller's own tenants. An operator reads a
 * record only for an incident they may act on: an active incident of this resident in one of
 * their tenants, named by `?incident=`. Supervisors and admins may read without one (quality
 * work, the registry), and such a read is audited as one without an incident (see
 * resident-access.ts). The record never carries a key safe's code: that is revealed on its
 * own (key-safe-handlers.ts).
 */
export const ResidentHandlers = HttpApiBuilder.group(
  ConsoleApi,
  "residents",
  Effect.fn(function*(handlers) {
    const access = yield* ResidentAccess

    return handlers
      .handle("labels", ({ query }) =>
        Effect.gen(function*() {
          const { user } = yield* CurrentSession
          const ids = [...new Set(query.ids.split(",").map((s) => s.trim()).filter((s) => s !== ""))].slice(0, 500)
          return yield* residentLabels(user.tenants, ids).pipe(Effect.orDie)
        }))
      .handle("get", ({ params, query }) =>
        Effect.gen(function*() {
          const { user } = yield* CurrentSession
          const record = yield* access.readable(user, params.id, query.incident)
          yield* access.audit(user, record, query.incident, {
            summary: query.incident !== undefined ? `resident record viewed for incident ${query.incident}` : "resident record viewed without an incident"
          })
          return residentCardOf(record)
        }))
  })
)
