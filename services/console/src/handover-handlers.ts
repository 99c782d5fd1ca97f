import { Clock, Effect, Option } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import type { IncidentCommand } from "@wt/contracts"
import { IncidentNotFound } from "@wt/incident"
import { IncidentStore } from "@wt/incident-store"
import { IncidentViews } from "@wt/read-models"
import type { User } from "@wt/registry"
import { ConsoleApi, CurrentSession } from "./api.ts"
import { actorOf } from "./incident-handlers.ts"

export const HandoverHandlers = HttpApiBuilder.group(
  ConsoleApi,
  "handover",
  Effect.fn(function*(handlers) {
    const views = yield* IncidentViews
    const store = yield* IncidentStore

    // Only the caller's tenants: another tenant's incident is not found.
    const locate = Effect.fn("Console.locateHandover")(function*(user: User, incidentId: string) {
      const view = yield* views.get(user.tenants, incidentId)
      if (Option.isSome(view)) return view.value
      for (const tenant of user.tenants) {
        const stored = yield* store.load(tenant, incidentId)
        if (Option.isSome(stored)) return stored.value.state
      }
      return yield* new IncidentNotFound({ incidentId })
    })

    const execute = (incidentId: string, commandFor: (by: ReturnType<typeof actorOf>, at: string) => IncidentCommand) =>
      Effect.gen(function*() {
        const { user } = yield* CurrentSession
        const incident = yield* locate(user, incidentId)
        const at = new Date(yield* Clock.currentTimeMillis).toISOString()
        const executed = yield* store.execute(incident.tenant, incidentId, commandFor(actorOf(user), at))
        return executed.state ?? incident
      }).pipe(
        Effect.catchTags({
          AlreadyClaimed: Effect.die,
          IncidentAlreadyExists: Effect.die,
          IncidentUnreadable: Effect.die,
          PublishFailed: Effect.die,
          NatsRequestFailed: Effect.die,
          SqlError: Effect.die
        })
      )

    return handlers
      .handle("dispatch", ({ params, payload }) =>
        execute(params.id, (by, at) => ({ type: "request_handover", at, by, reason: payload.reason, address: payload.address })))
      .handle("cancelDispatch", ({ params, payload }) =>
        execute(params.id, (by, at) => ({ type: "cancel_handover", at, by, reason: payload.reason })))
      .handle("contactAnswer", ({ params, payload }) =>
        execute(params.id, (by, at) => ({ type: "answer_contact", at, by, position: payload.position, accepted: payload.accepted })))
  })
)
