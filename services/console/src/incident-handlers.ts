import { Effect, Option } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { HandlingCodeByStatus } from "@wt/contracts"
import { IncidentNotFound } from "@wt/incident"
import { readStormLedger } from "@wt/incident-store"
import { Nats } from "@wt/nats"
import { IncidentViews } from "@wt/read-models"
import { ConsoleApi, CurrentSession } from "./api.ts"
import { AlreadyClaimed } from "./api-errors.ts"
import { type CommandFor, IncidentCommands } from "./incident-commands.ts"
import { parseStatusFilter } from "./status-filter.ts"


export const IncidentsHandlers = HttpApiBuilder.group(
  ConsoleApi,
  "incidents",
  Effect.fn(function*(handlers) {
    const views = yield* IncidentViews
    const nats = yield* Nats

    const { execute: run } = yield* IncidentCommands
    const execute = (incidentId: string, commandFor: CommandFor) =>
      run(incidentId, commandFor).pipe(
        Effect.catchTag("AlreadyClaimed", (lost) =>
          Effect.fail(
            new AlreadyClaimed({
              incidentId,
              message: `claimed by ${lost.claimedBy.name ?? lost.claimedBy.id}`,
              claimedBy: lost.claimedBy
            })
          ))
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
      .handle("stormDevices", ({ params }) =>
        Effect.gen(function*() {
          const { user } = yield* CurrentSession
          const incident = yield* views.get(user.tenants, params.id).pipe(Effect.orDie)
          if (Option.isNone(incident)) return yield* new IncidentNotFound({ incidentId: params.id })
          if (incident.value.storm === undefined) return { incidentId: params.id, devices: 0, down: [] }
          // From the stream, not the read model: the list is in the storm's events, not in its state.
          const ledger = yield* readStormLedger(incident.value.tenant, params.id).pipe(Effect.provideService(Nats, nats), Effect.orDie)
          return { incidentId: params.id, devices: ledger.devices, down: [...ledger.down].sort() }
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
