import { randomUUID } from "node:crypto"
import { Clock, Effect, Option } from "effect"
import { HttpServerRequest } from "effect/http"
import { appendAuditEntry } from "@wt/audit-log"
import { ActiveStatuses, type IncidentStatus } from "@wt/contracts"
import { IncidentNotFound } from "@wt/incident"
import { IncidentViews } from "@wt/read-models"
import { Registry, type ResidentRecord, type User } from "@wt/registry"
import { Forbidden, ResidentNotFound } from "./api-errors.ts"
import { actorOf } from "./incident-commands.ts"

/**
 * Who may read a resident's record, and how a read is audited: shared by the resident card and
 * the key-safe code's reveal. A resident of the caller's own tenants; an operator only for an
 * incident they may act on (an active incident of this resident in one of their tenants, named
 * by `incident`); supervisors and admins also without one (quality work, the registry).
 */
export const ResidentAccess = Effect.gen(function*() {
  const registry = yield* Registry
  const views = yield* IncidentViews

  const find = Effect.fn("Console.findResident")(function*(tenants: ReadonlyArray<string>, residentId: string) {
    for (const tenant of tenants) {
      const record = yield* registry.resident(tenant, residentId)
      if (Option.isSome(record)) return record
    }
    return Option.none<ResidentRecord>()
  })

  /** The record, if the caller may read it now; otherwise the reason, as the API answers it. */
  const readable = Effect.fn("Console.readableResident")(function*(user: User, residentId: string, incidentId: string | undefined) {
    let incidentStatus: IncidentStatus | undefined
    let tenants = user.tenants
    if (incidentId !== undefined) {
      // The reason given must be real: an incident of the caller's about this very resident.
      const incident = yield* views.get(user.tenants, incidentId).pipe(Effect.orDie)
      if (Option.isNone(incident) || incident.value.residentId !== residentId) {
        return yield* new IncidentNotFound({ incidentId })
      }
      incidentStatus = incident.value.status
      tenants = [incident.value.tenant]
    }
    // Another tenant's resident is 404 whatever the role, before any rule of the role is told.
    const record = yield* find(tenants, residentId).pipe(Effect.orDie)
    if (Option.isNone(record)) return yield* new ResidentNotFound({ residentId })
    if (user.role === "operator" && incidentStatus === undefined) {
      yield* Effect.logWarning("resident record refused: no incident given").pipe(Effect.annotateLogs({ userId: user.id }))
      return yield* new Forbidden({ message: "an operator opens a resident's record for an open incident of that resident: name it with ?incident=<id>" })
    }
    if (user.role === "operator" && incidentStatus !== undefined && !ActiveStatuses.includes(incidentStatus)) {
      yield* Effect.logWarning("resident record refused: incident has ended").pipe(Effect.annotateLogs({ userId: user.id, incidentId }))
      return yield* new Forbidden({ message: `incident ${incidentId} is ${incidentStatus}: an operator opens a resident's record only while the incident is open` })
    }
    return record.value
  })

  /**
   * A `record_view` entry for what the caller was shown, stored before it leaves the server, so
   * nothing is shown unrecorded; a failing audit log is a 500, not a silent read.
   */
  const audit = Effect.fn("Console.auditResidentView")(function*(user: User, record: ResidentRecord, incidentId: string | undefined, what: {
    readonly summary: string
    readonly data?: Readonly<Record<string, unknown>>
  }) {
    const at = new Date(yield* Clock.currentTimeMillis).toISOString()
    // The browser's network address, as the connection (or a trusted proxy) gives it: the
    // FHIR export's BALP Read names the client that received the record by it.
    const address = Option.getOrUndefined((yield* HttpServerRequest.HttpServerRequest).remoteAddress)
    yield* appendAuditEntry({
      id: `view-${randomUUID()}`,
      tenant: record.tenant,
      kind: "record_view",
      at,
      actor: actorOf(user),
      subject: { residentId: record.id, ...(incidentId !== undefined ? { incidentId } : {}) },
      summary: what.summary,
      data: { role: user.role, ...what.data, client: { application: "console-web", ...(address === undefined ? {} : { address }) } }
    }).pipe(Effect.orDie)
  })

  return { readable, audit }
})
