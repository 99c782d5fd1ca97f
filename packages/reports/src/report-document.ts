import type { EscalationLimits } from "@wt/incident"
import { slaReport } from "./answer-time.ts"
import { floodReport, operatorsFromActions } from "./floods.ts"
import type { IncidentHistory } from "./history.ts"
import { indicatorReport, type WelfareTechnologyUsers } from "./indicators.ts"
import { onSiteReport } from "./on-site.ts"
import { ownerlessReport } from "./ownerless.ts"
import { repeatedReport } from "./repeated.ts"

export const ReportKinds = ["sla", "on-site", "repeated", "floods", "ownerless", "indicators"] as const
export type ReportKind = (typeof ReportKinds)[number]

export const isReportKind = (s: string): s is ReportKind => (ReportKinds as ReadonlyArray<string>).includes(s)

export type Cell = string | number | boolean | null

/** One table of a report; a report's first table is its CSV. */
export interface ReportTable {
  readonly name: string
  readonly title: string
  readonly columns: ReadonlyArray<string>
  readonly rows: ReadonlyArray<Readonly<Record<string, Cell>>>
}

export interface ReportDocument {
  readonly kind: ReportKind
  readonly title: string
  readonly from: string
  readonly to: string
  readonly generatedAt: string
  readonly timeZone: string
  readonly tables: ReadonlyArray<ReportTable>
}

/** What every report is computed from. */
export interface ReportInput {
  readonly histories: ReadonlyArray<IncidentHistory>
  readonly users: ReadonlyArray<WelfareTechnologyUsers>
  readonly fromMs: number
  readonly toMs: number
  readonly nowMs: number
  /** For the hour of day. */
  readonly timeZone: string
  /** Operators on duty, when known; otherwise counted from who acted on incidents. */
  readonly operators?: number
  /** How long each priority may wait unclaimed (the escalation watch's limits); default 30 s, 2 min, 15 min, 1 h. */
  readonly limits?: EscalationLimits
}

const table = <Row extends object>(name: string, title: string, columns: ReadonlyArray<keyof Row & string>, rows: ReadonlyArray<Row>): ReportTable => ({
  name,
  title,
  columns,
  rows: rows as unknown as ReportTable["rows"]
})

const link = ["timelineUrl", "timelineCommand"] as const

const tablesOf = (kind: ReportKind, input: ReportInput): { readonly title: string; readonly tables: ReadonlyArray<ReportTable> } => {
  const period = { fromMs: input.fromMs, toMs: input.toMs, nowMs: input.nowMs }
  switch (kind) {
    case "sla": {
      const r = slaReport(input.histories, { ...period, timeZone: input.timeZone })
      return {
        title: "Answer time (received → claimed) against 98.5 % within 60 s and 99 % within 180 s",
        tables: [
          table("sla", "Answer time per tenant, priority and hour of day", [
            "tenant", "by", "group", "received", "answered", "waiting", "withdrawn", "within60s", "counted60s", "share60s",
            "within180s", "counted180s", "share180s", "medianMs", "p90Ms", "maxMs", "meetsTargets"
          ], r.rows),
          table("late", "Answered after 60 s or still waiting past it", [
            "incidentId", "tenant", "priority", "receivedAt", "answerMs", "waitingMs", ...link
          ], r.late)
        ]
      }
    }
    case "on-site": {
      const r = onSiteReport(input.histories, period)
      return {
        title: "Time to responder on site",
        tables: [
          table("on-site", "Call-outs", [
            "incidentId", "tenant", "priority", "receivedAt", "calledOutAt", "onSiteAt", "receivedToOnSiteMs", "callOutToOnSiteMs",
            "responder", "status", ...link
          ], r.rows),
          table("summary", "Received → on site per tenant and priority", ["tenant", "priority", "callOuts", "onSite", "medianMs", "p90Ms", "maxMs"], r.summary)
        ]
      }
    }
    case "repeated":
      return {
        title: "Repeated alarms (second pair of eyes)",
        tables: [table("repeated", "Incidents marked repeated", [
          "incidentId", "tenant", "residentId", "markedAt", "alarmsInWindow", "windowHours", "priority", "status", "resolvedBy", "closedBy",
          "secondPerson", ...link
        ], repeatedReport(input.histories, period))]
      }
    case "floods": {
      const operators = input.operators === undefined ? operatorsFromActions(input.histories) : () => input.operators!
      return {
        title: "Alarm floods (ISA-18.2: over 10 alarms in 10 minutes per operator, until below 5)",
        tables: [table("floods", "Flood periods", [
          "tenant", "from", "to", "durationMs", "alarms", "peakAlarmsIn10Min", "operatorsAtPeak", "peakRate", "firstIncidentId", ...link
        ], floodReport(input.histories, { ...period, operators }))]
      }
    }
    case "ownerless":
      return {
        title: "Ownerless intervals (responsibility gaps)",
        tables: [table("ownerless", "Owned by nobody but the queue beyond the priority's limit, or history missing", [
          "incidentId", "tenant", "kind", "priority", "from", "to", "durationMs", "limitMs", "beyondLimitMs", "escalations", ...link
        ], ownerlessReport(input.histories, { ...period, ...(input.limits === undefined ? {} : { limits: input.limits }) }))]
      }
    case "indicators":
      return {
        title: "E-health indicators per tenant",
        tables: [table("indicators", "Indicators", [
          "tenant", "users", "usersSafetyAlarm", "usersSensor", "usersGps", "usersMedication", "alarms", "alarmsPerUser", "alarmsPerUserPerDay",
          "technical", "care", "technicalShare", "careShare", "ended", "endedWithoutCallOut", "withoutCallOutShare"
        ], indicatorReport(input.histories, input.users, period))]
      }
  }
}

/** One report over the input: pure, so the CLI and the console produce the same figures. */
export const buildReport = (kind: ReportKind, input: ReportInput): ReportDocument => {
  const { title, tables } = tablesOf(kind, input)
  return {
    kind,
    title,
    from: new Date(input.fromMs).toISOString(),
    to: new Date(input.toMs).toISOString(),
    generatedAt: new Date(input.nowMs).toISOString(),
    timeZone: input.timeZone,
    tables
  }
}
