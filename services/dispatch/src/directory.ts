import { Context, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import type { Agency } from "@wt/contracts"
import { HandoverPlan, type HandoverSettings, handoverSettings, type Team, type Zone } from "@wt/dispatch"

/** Who a responder device belongs to: a team member, or a next of kin in one resident's cascade. */
export type ResponderIdentity =
  | { readonly kind: "member"; readonly tenant: string; readonly id: string; readonly name: string; readonly teamId: string }
  | { readonly kind: "contact"; readonly tenant: string; readonly residentId: string; readonly position: number; readonly label: string }

export interface OpenGrant {
  readonly id: string
  readonly tenant: string
  readonly incidentId: string
  readonly residentId: string
  readonly lockId: string
  readonly responderId: string
  readonly validToMs: number
}

const decodePlan = Schema.decodeUnknownOption(HandoverPlan)

/** Dispatch's reads and writes in PostgreSQL: teams, zones, agencies, plans, responder devices, e-lock grants. */
export class DispatchDirectory extends Context.Service<DispatchDirectory, {
  readonly teams: (tenant: string) => Effect.Effect<ReadonlyArray<Team>, SqlError>
  readonly zones: (tenant: string) => Effect.Effect<ReadonlyArray<Zone>, SqlError>
  readonly agencyChannel: (tenant: string, agency: Agency) => Effect.Effect<Option.Option<string>, SqlError>
  readonly settings: (tenant: string, residentId: string, alarmType: string) => Effect.Effect<HandoverSettings, SqlError>
  readonly responderByTokenHash: (hash: string) => Effect.Effect<Option.Option<ResponderIdentity>, SqlError>
  /** The resident's e-lock by id within the tenant, if it is one: a lock id never reaches another tenant's or resident's door. */
  readonly residentLock: (tenant: string, residentId: string, lockId: string) => Effect.Effect<Option.Option<string>, SqlError>
  readonly insertGrant: (grant: OpenGrant & { readonly validFromMs: number }) => Effect.Effect<boolean, SqlError>
  readonly openGrants: Effect.Effect<ReadonlyArray<OpenGrant>, SqlError>
  readonly revokeGrant: (tenant: string, id: string, reason: string) => Effect.Effect<boolean, SqlError>
  readonly grantFor: (tenant: string, responderId: string, incidentId: string) => Effect.Effect<Option.Option<OpenGrant>, SqlError>
}>()("wt/DispatchDirectory") {
  static readonly layer = Layer.effect(
    DispatchDirectory,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient

      const teams = Effect.fn("DispatchDirectory.teams")(function*(tenant: string) {
        const rows = yield* sql<{ id: string; name: string; zone: string; from_minute: number | null; to_minute: number | null }>`
          SELECT t.id, t.name, t.zone, s.from_minute, s.to_minute
          FROM responder_teams t LEFT JOIN responder_shifts s ON s.tenant = t.tenant AND s.team_id = t.id
          WHERE t.tenant = ${tenant} AND t.active ORDER BY t.id`
        const byId = new Map<string, { id: string; name: string; zone: string; shifts: Array<{ fromMinute: number; toMinute: number }> }>()
        for (const r of rows) {
          const team = byId.get(r.id) ?? { id: r.id, name: r.name, zone: r.zone, shifts: [] }
          if (r.from_minute !== null && r.to_minute !== null) team.shifts.push({ fromMinute: r.from_minute, toMinute: r.to_minute })
          byId.set(r.id, team)
        }
        return [...byId.values()] as ReadonlyArray<Team>
      })

      const zones = Effect.fn("DispatchDirectory.zones")(function*(tenant: string) {
        const rows = yield* sql<{ id: string; postcodes: ReadonlyArray<string> }>`SELECT id, postcodes FROM dispatch_zones WHERE tenant = ${tenant}`
        return rows as ReadonlyArray<Zone>
      })

      const agencyChannel = Effect.fn("DispatchDirectory.agencyChannel")(function*(tenant: string, agency: Agency) {
        const rows = yield* sql<{ channel: string }>`SELECT channel FROM agencies WHERE tenant = ${tenant} AND code = ${agency}`
        return Option.fromNullishOr(rows[0]?.channel)
      })

      // The plan row for the exact alarm type ("safety_alarm:fall_detector") wins over the general one ("safety_alarm").
      const settings = Effect.fn("DispatchDirectory.settings")(function*(tenant: string, residentId: string, alarmType: string) {
        const general = alarmType.split(":")[0] ?? alarmType
        const rows = yield* sql<{ alarm_type: string; handover: unknown }>`
          SELECT p.alarm_type, p.handover FROM residents r
          JOIN response_plans p ON p.tenant = r.tenant AND p.id = r.response_plan_id
          WHERE r.tenant = ${tenant} AND r.id = ${residentId} AND p.alarm_type IN (${alarmType}, ${general})`
        const row = rows.find((r) => r.alarm_type === alarmType) ?? rows[0]
        const plan = row?.handover == null ? Option.none() : decodePlan(row.handover)
        return handoverSettings(Option.getOrUndefined(plan))
      })

      const responderByTokenHash = Effect.fn("DispatchDirectory.responderByTokenHash")(function*(hash: string) {
        const rows = yield* sql<{
          tenant: string
          kind: "member" | "contact"
          member_id: string | null
          resident_id: string | null
          contact_position: number | null
          label: string
          name: string | null
          team_id: string | null
        }>`
          SELECT d.tenant, d.kind, d.member_id, d.resident_id, d.contact_position, d.label, m.name, m.team_id
          FROM responder_devices d LEFT JOIN responder_members m ON m.tenant = d.tenant AND m.id = d.member_id
          WHERE d.token_hash = ${hash} AND d.revoked_at IS NULL`
        const r = rows[0]
        if (r === undefined) return Option.none<ResponderIdentity>()
        if (r.kind === "member" && r.member_id !== null && r.team_id !== null) {
          return Option.some<ResponderIdentity>({ kind: "member", tenant: r.tenant, id: r.member_id, name: r.name ?? r.member_id, teamId: r.team_id })
        }
        if (r.kind === "contact" && r.resident_id !== null && r.contact_position !== null) {
          return Option.some<ResponderIdentity>({ kind: "contact", tenant: r.tenant, residentId: r.resident_id, position: r.contact_position, label: r.label })
        }
        return Option.none<ResponderIdentity>()
      })

      const residentLock = Effect.fn("DispatchDirectory.residentLock")(function*(tenant: string, residentId: string, lockId: string) {
        const rows = yield* sql<{ id: string }>`
          SELECT id FROM devices
          WHERE tenant = ${tenant} AND id = ${lockId} AND resident_id = ${residentId} AND type = 'sensor' AND sensor = 'e_lock' AND active`
        return Option.fromNullishOr(rows[0]?.id)
      })

      const insertGrant = Effect.fn("DispatchDirectory.insertGrant")(function*(g: OpenGrant & { readonly validFromMs: number }) {
        const rows = yield* sql<{ id: string }>`
          INSERT INTO elock_grants (id, tenant, incident_id, resident_id, lock_id, responder_id, valid_from, valid_to)
          VALUES (${g.id}, ${g.tenant}, ${g.incidentId}, ${g.residentId}, ${g.lockId}, ${g.responderId},
                  ${new Date(g.validFromMs).toISOString()}, ${new Date(g.validToMs).toISOString()})
          ON CONFLICT (tenant, id) DO NOTHING RETURNING id`
        return rows.length > 0
      })

      type GrantRow = { id: string; tenant: string; incident_id: string; resident_id: string; lock_id: string; responder_id: string; valid_to: Date | string }
      const toGrant = (r: GrantRow): OpenGrant => ({
        id: r.id,
        tenant: r.tenant,
        incidentId: r.incident_id,
        residentId: r.resident_id,
        lockId: r.lock_id,
        responderId: r.responder_id,
        validToMs: new Date(r.valid_to).getTime()
      })

      const openGrants = sql<GrantRow>`
        SELECT id, tenant, incident_id, resident_id, lock_id, responder_id, valid_to FROM elock_grants WHERE revoked_at IS NULL`.pipe(
        Effect.map((rows) => rows.map(toGrant))
      )

      const revokeGrant = Effect.fn("DispatchDirectory.revokeGrant")(function*(tenant: string, id: string, reason: string) {
        const rows = yield* sql<{ id: string }>`
          UPDATE elock_grants SET revoked_at = now(), revoked_reason = ${reason}
          WHERE tenant = ${tenant} AND id = ${id} AND revoked_at IS NULL RETURNING id`
        return rows.length > 0
      })

      const grantFor = Effect.fn("DispatchDirectory.grantFor")(function*(tenant: string, responderId: string, incidentId: string) {
        const rows = yield* sql<GrantRow>`
          SELECT id, tenant, incident_id, resident_id, lock_id, responder_id, valid_to FROM elock_grants
          WHERE tenant = ${tenant} AND responder_id = ${responderId} AND incident_id = ${incidentId}
            AND revoked_at IS NULL AND valid_from <= now() AND valid_to > now()`
        return Option.map(Option.fromNullishOr(rows[0]), toGrant)
      })

      return DispatchDirectory.of({ teams, zones, agencyChannel, settings, responderByTokenHash, residentLock, insertGrant, openGrants, revokeGrant, grantFor })
    })
  )
}
