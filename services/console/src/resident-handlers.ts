import { randomUUID } from "node:crypto"
import { Clock, Effect, Option } from "effect"
import { HttpServerRequest } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import { appendAuditEntry } from "@wt/audit-log"
import { ActiveStatuses, type IncidentStatus } from "@wt/contracts"
import { IncidentNotFound } from "@wt/incident"
import { IncidentViews } from "@wt/read-models"
import { Registry, type ResidentRecord, residentLabels } from "@wt/registry"
import { ConsoleApi, CurrentSession } from "./api.ts"
import { Forbidden, ResidentNotFound } from "./api-errors.ts"
import { actorOf } from "./incident-commands.ts"

/**
 * `GET /api/residents/{id}`: a resident of the caller's own tenants. An operator reads a
 * record only for an incident they may act on: an active incident of this resident in one of
 * their tenants, named by `?incident=`. Supervisors and admins may read without one (quality
 * work, the registry), and such a read is audited as one without an incident.
 * The view is audited before the record leaves the server, so no record is shown unrecorded;
 * a failing audit log is a 500, not a silent read.
 */
export const ResidentHandlers = HttpApiBuilder.group(
  ConsoleApi,
  "residents",
  Effect.fn(function*(handlers) {
    const registry = yield* Registry
    const views = yield* IncidentViews

    const find = Effect.fn("Console.findResident")(function*(tenants: ReadonlyArray<string>, residentId: string) {
      for (const tenant of tenants) {
        const record = yield* registry.resident(tenant, residentId)
        if (Option.isSome(record)) return record
      }
      return Option.none<ResidentRecord>()
    })

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
        let incidentStatus: IncidentStatus | undefined
        let tenants = user.tenants
        if (query.incident !== undefined) {
          // The reason given must be real: an incident of the caller's about this very resident.
          const incident = yield* views.get(user.tenants, query.incident).pipe(Effect.orDie)
          if (Option.isNone(incident) || incident.value.residentId !== params.id) {
            return yield* new IncidentNotFound({ incidentId: query.incident })
          }
          incidentStatus = incident.value.status
          tenants = [incident.value.tenant]
        }
        // Another tenant's resident is 404 whatever the role, before any rule of the role is told.
        const record = yield* find(tenants, params.id).pipe(Effect.orDie)
        if (Option.isNone(record)) return yield* new ResidentNotFound({ residentId: params.id })
        if (user.role === "operator" && incidentStatus === undefined) {
          yield* Effect.logWarning("resident record refused: no incident given").pipe(Effect.annotateLogs({ userId: user.id }))
          return yield* new Forbidden({ message: "an operator opens a resident's record for an open incident of that resident: name it with ?incident=<id>" })
        }
        if (user.role === "operator" && incidentStatus !== undefined && !ActiveStatuses.includes(incidentStatus)) {
          yield* Effect.logWarning("resident record refused: incident has ended").pipe(Effect.annotateLogs({ userId: user.id, incidentId: query.incident }))
          return yield* new Forbidden({ message: `incident ${query.incident} is ${incidentStatus}: an operator opens a resident's record only while the incident is open` })
        }
        const at = new Date(yield* Clock.currentTimeMillis).toISOString()
        // The browser's network address, as the connection (or a trusted proxy) gives it: the
        // FHIR export's BALP Read names the client that received the record by it.
        const address = Option.getOrUndefined((yield* HttpServerRequest.HttpServerRequest).remoteAddress)
        yield* appendAuditEntry({
          id: `view-${randomUUID()}`,
          tenant: record.value.tenant,
          kind: "record_view",
          at,
          actor: actorOf(user),
          subject: { residentId: params.id, ...(query.incident !== undefined ? { incidentId: query.incident } : {}) },
          summary: query.incident !== undefined
            ? `resident record viewed for incident ${query.incident}`
            : "resident record viewed without an incident",
          data: { role: user.role, client: { application: "console-web", ...(address === undefined ? {} : { address }) } }
        }).pipe(Effect.orDie)
        return record.value
      }))
  })
)
