import { Clock, Effect, Option } from "effect"
import type { Actor, IncidentCommand, IncidentState } from "@wt/contracts"
import { IncidentNotFound } from "@wt/incident"
import { IncidentStore } from "@wt/incident-store"
import { IncidentViews } from "@wt/read-models"
import type { User } from "@wt/registry"
import { CurrentSession } from "./api-middleware.ts"

/** Who a signed-in user is in an incident's history. */
export const actorOf = (user: User): Actor => ({ kind: user.role, id: user.id, name: user.displayName })

export type CommandFor = (by: Actor, at: string, incident: IncidentState) => IncidentCommand

/**
 * How the console runs an operator's command on an incident, for every API group that has
 * one: find the incident among the caller's tenants, decide and append it as the caller.
 */
export const IncidentCommands = Effect.gen(function*() {
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

  /** The command as the caller; the decider's refusals stay typed, the infrastructure's failures are a 500 with the cause in the log. */
  const execute = Effect.fn("Console.executeCommand")(
    function*(incidentId: string, commandFor: CommandFor) {
      const { user } = yield* CurrentSession
      const incident = yield* locate(user, incidentId)
      const at = new Date(yield* Clock.currentTimeMillis).toISOString()
      const executed = yield* store.execute(incident.tenant, incidentId, commandFor(actorOf(user), at, incident))
      return executed.state ?? incident
    },
    Effect.catchTags({
      IncidentAlreadyExists: Effect.die,
      // Only triage's storm batches carry a version to be refused on; no console command does.
      StormViewStale: Effect.die,
      IncidentUnreadable: Effect.die,
      PublishFailed: Effect.die,
      NatsRequestFailed: Effect.die,
      SqlError: Effect.die
    })
  )

  return { locate, execute } as const
})
