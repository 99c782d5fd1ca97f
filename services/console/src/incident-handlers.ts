import { Clock, Effect, Option } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { type Actor, HandlingCodeByStatus, type IncidentCommand, type IncidentState } from "@wt/contracts"
import { IncidentNotFound } from "@wt/incident"
import { IncidentStore } from "@wt/incident-store"
import { IncidentViews } from "@wt/read-models"
import type { User } from "@wt/registry"
import { ConsoleApi, CurrentSession } from "./api.ts"
import { AlreadyClaimed } from "./api-errors.ts"
import { parseStatusFilter } from "./status-filter.ts"

/** Who a signed-in user is in an incident's history. */
export const actorOf = (user: User): Actor => ({ kind: user.role, id: user.id, name: user.displayName })

type CommandFor = (by: Actor, at: string, incident: IncidentState) => IncidentCommand

export const IncidentsHandlers = HttpApiBuilder.group(
  ConsoleApi,
  "incidents",
  Effect.fn(function*(handlers) {
    const views = yield* IncidentViews
    const store = yield* IncidentStore

    /**
     * The incident, if it belongs to one of the user's tenants. The read model may lag the
     * stream by a moment, so an incident it does not know yet is looked for in the store,
     * under each of the user's tenants: another tenant's incident is never found.
     */
    const locate = Effect.fn("Console.locateIncident")(function*(user: User, incidentId: string) {
      const view = yield* views.get(user.tenants, incidentId)
      if (Option.isSome(view)) return view.value
      for (const tenant of user.tenants) {
        const stored = yield* store.load(tenant, incidentId)
        if (Option.isSome(stored)) return stored.value.state
      }
      return yield* new IncidentNotFound({ incidentId })
    })

    const execute = (incidentId: string, commandFor: CommandFor) =>
      Effect.gen(function*() {
        const { user } = yield* CurrentSession
        const incident = yield* locate(user, incidentId)
        const at = new Date(yield* Clock.currentTimeMillis).toISOString()
        const executed = yield* store.execute(incident.tenant, incidentId, commandFor(actorOf(user), at, incident))
        return executed.state ?? incident
      }).pipe(
        Effect.catchTag("AlreadyClaimed", (lost) =>
          Effect.fail(
            new AlreadyClaimed({
              incidentId,
              message: `claimed by ${lost.claimedBy.name ?? lost.claimedBy.id}`,
              claimedBy: lost.claimedBy
            })
          )),
        // Not the caller's doing: a 500, with the cause in the log.
        Effect.catchTags({
          IncidentAlreadyExists: Effect.die,
          IncidentUnreadable: Effect.die,
          PublishFailed: Effect.die,
          NatsRequestFailed: Effect.die,
          SqlError: Effect.die
        })
      )

    return handlers
      .handle("list", ({ query }) =>
        Effect.gen(function*() {
          const { user } = yield* CurrentSession
          const statuses = yield* Effect.fromResult(parseStatusFilter(query.status))
          return yield* views.list(user.tenants, statuses).pipe(Effect.orDie)
        }))
      .handle("get", ({ params }) =>
        Effect.gen(function*() {
          const { user } = yield* CurrentSession
          const view = yield* views.get(user.tenants, params.id).pipe(Effect.orDie)
          if (Option.isNone(view)) return yield* new IncidentNotFound({ incidentId: params.id })
          return view.value
        }))
      .handle("timeline", ({ params }) =>
        Effect.gen(function*() {
          const { user } = yield* CurrentSession
          const [incident, entries] = yield* Effect.all([
            views.get(user.tenants, params.id),
            views.timeline(user.tenants, params.id)
          ]).pipe(Effect.orDie)
          if (Option.isNone(incident) || Option.isNone(entries)) return yield* new IncidentNotFound({ incidentId: params.id })
          return { incident: incident.value, entries: entries.value }
        }))
      .handle("claim", ({ params }) => execute(params.id, (by, at) => ({ type: "claim", at, by })))
      .handle("resolve", ({ params, payload }) => execute(params.id, (by, at) => ({ type: "resolve", at, by, ...payload })))
      .handle("cancel", ({ params, payload }) => execute(params.id, (by, at) => ({ type: "cancel", at, by, reason: payload.reason })))
      .handle("contact", ({ params, payload }) => execute(params.id, (by, at) => ({ type: "record_contact", at, by, party: payload.party })))
      .handle("close", ({ params }) => execute(params.id, (by, at) => ({ type: "close", at, by })))
      .handle("note", ({ params, payload }) =>
        execute(params.id, (by, at, incident) => ({
          type: "add_note",
          at,
          by,
          text: payload.text,
          handlingCode: payload.handlingCode ?? HandlingCodeByStatus[incident.status]
        })))
  })
)
