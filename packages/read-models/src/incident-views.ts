import { Context, Effect, Layer, Option } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import type { Actor, IncidentState, IncidentStatus, Priority } from "@wt/contracts"
import { withAlarmTypes } from "./timeline-alarm-types.ts"

/** A queue row: the incident's current state as the projector last saw it. */
export type IncidentView = IncidentState

export interface TimelineRow {
  readonly version: number
  readonly entry: number
  readonly streamSeq: number
  readonly kind: string
  readonly at: string
  readonly actor: Actor
  readonly summary: string
  readonly handlingCode?: number
  readonly detail: unknown
  /** The alarm type the entry is about (device_event, headline, incident_opened): see withAlarmTypes. */
  readonly alarmType?: string
}

const parse = <A>(v: unknown): A => (typeof v === "string" ? JSON.parse(v) : v) as A
const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString())

/**
 * Reads of the incident read models, always scoped to the tenants the reader may
 * see: an incident of another tenant is simply not found.
 */
export class IncidentViews extends Context.Service<IncidentViews, {
  /** Incidents in the given statuses, most urgent first, then oldest first. */
  readonly list: (tenants: ReadonlyArray<string>, statuses: ReadonlyArray<IncidentStatus>, limit?: number) => Effect.Effect<ReadonlyArray<IncidentView>, SqlError.SqlError>
  readonly get: (tenants: ReadonlyArray<string>, incidentId: string) => Effect.Effect<Option.Option<IncidentView>, SqlError.SqlError>
  readonly timeline: (tenants: ReadonlyArray<string>, incidentId: string) => Effect.Effect<Option.Option<ReadonlyArray<TimelineRow>>, SqlError.SqlError>
  /**
   * Unclaimed incidents of every tenant whose next escalation level is due at `nowMs` (level n
   * after n limits), most urgent first: for the engine's escalation watch, not for users. Only
   * what is due is read, so a crowd of waiting incidents neither costs every sweep a read of
   * them all nor keeps a newer P1 out of the first `limit`.
   */
  readonly dueForEscalation: (nowMs: number, limitsMs: Readonly<Record<Priority, number>>, limit?: number) => Effect.Effect<ReadonlyArray<IncidentView>, SqlError.SqlError>
}>()("wt/IncidentViews") {
  static readonly layer = Layer.effect(
    IncidentViews,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient

      const list = Effect.fn("IncidentViews.list")(function*(tenants: ReadonlyArray<string>, statuses: ReadonlyArray<IncidentStatus>, limit = 500) {
        if (tenants.length === 0 || statuses.length === 0) return []
        const rows = yield* sql<{ state: unknown }>`SELECT state FROM incidents
          WHERE tenant IN ${sql.in(tenants)} AND status IN ${sql.in(statuses)}
          ORDER BY priority_rank, opened_at LIMIT ${limit}`
        return rows.map((r) => parse<IncidentView>(r.state))
      })

      const get = Effect.fn("IncidentViews.get")(function*(tenants: ReadonlyArray<string>, incidentId: string) {
        if (tenants.length === 0) return Option.none()
        const rows = yield* sql<{ tenant: string; state: unknown }>`SELECT tenant, state FROM incidents
          WHERE incident_id = ${incidentId} AND tenant IN ${sql.in(tenants)} ORDER BY tenant`
        // The row's key says whose incident it is; a state that names another tenant is not this row's.
        const views = rows.map((r) => parse<IncidentView>(r.state)).filter((v, i) => v.tenant === rows[i]!.tenant)
        // Ids made before they included the tenant may repeat across tenants; a reader of both sees the first.
        return views.length === 0 ? Option.none() : Option.some(views[0]!)
      })

      const timeline = Effect.fn("IncidentViews.timeline")(function*(tenants: ReadonlyArray<string>, incidentId: string) {
        const incident = yield* get(tenants, incidentId)
        if (Option.isNone(incident)) return Option.none()
        const rows = yield* sql<{ version: number; entry: number; stream_seq: string | number; kind: string; at: unknown; actor: unknown; summary: string; detail: unknown }>`
          SELECT version, entry, stream_seq, kind, at, actor, summary, detail FROM incident_timeline
          WHERE tenant = ${incident.value.tenant} AND incident_id = ${incidentId} ORDER BY version, entry`
        return Option.some(withAlarmTypes(rows.map((r): TimelineRow => {
          const detail = parse<{ handlingCode?: number; data: unknown }>(r.detail)
          return {
            version: r.version,
            entry: r.entry,
            streamSeq: Number(r.stream_seq),
            kind: r.kind,
            at: iso(r.at),
            actor: parse<Actor>(r.actor),
            summary: r.summary,
            ...(detail.handlingCode !== undefined ? { handlingCode: detail.handlingCode } : {}),
            detail: detail.data
          }
        })))
      })

      const dueForEscalation = Effect.fn("IncidentViews.dueForEscalation")(function*(
        nowMs: number,
        limitsMs: Readonly<Record<Priority, number>>,
        limit = 1000
      ) {
        const rows = yield* sql<{ state: unknown }>`SELECT state FROM incidents
          WHERE status = 'open'
            AND opened_at <= to_timestamp(${nowMs / 1000}) - make_interval(secs => (CASE priority
              WHEN 'P1' THEN ${limitsMs.P1} WHEN 'P2' THEN ${limitsMs.P2} WHEN 'P3' THEN ${limitsMs.P3} ELSE ${limitsMs.P4} END)::float8
              / 1000 * (COALESCE((state->>'escalationLevel')::int, 0) + 1))
          ORDER BY priority_rank, opened_at LIMIT ${limit}`
        return rows.map((r) => parse<IncidentView>(r.state))
      })

      return IncidentViews.of({ list, get, timeline, dueForEscalation })
    })
  )
}
