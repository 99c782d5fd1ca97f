// The supervisor reports as the browser fetches them; types from the server's own schemas.
import type { ReportDocument as ReportDocumentSchema, ReportKind as ReportKindSchema } from "../../src/report-api.ts"
import { ApiError } from "./api.ts"

export type ReportDocument = typeof ReportDocumentSchema.Type
export type ReportKind = typeof ReportKindSchema.Type
export type ReportRow = ReportDocument["tables"][number]["rows"][number]

/** The reports, in the order of their tabs (their names: i18n.ts, `reports.kinds`). */
export const ReportKinds: ReadonlyArray<{ readonly kind: ReportKind }> = [
  { kind: "sla" },
  { kind: "on-site" },
  { kind: "repeated" },
  { kind: "floods" },
  { kind: "ownerless" },
  { kind: "indicators" }
]

export interface ReportQuery {
  readonly day: string
  readonly tenant: string
  readonly timeZone: string
  /** Floods: operators on duty; empty: counted from who acted on incidents. */
  readonly operators: string
}

const search = (q: ReportQuery, table?: string) => {
  const p = new URLSearchParams({ day: q.day, timeZone: q.timeZone })
  if (q.tenant !== "") p.set("tenant", q.tenant)
  if (q.operators !== "") p.set("operators", q.operators)
  if (table !== undefined) p.set("table", table)
  return p.toString()
}

export const fetchReport = async (kind: ReportKind, q: ReportQuery): Promise<ReportDocument> => {
  const response = await fetch(`/api/reports/${kind}?${search(q)}`, { credentials: "same-origin" })
  const text = await response.text()
  const body: unknown = text === "" ? undefined : JSON.parse(text)
  if (!response.ok) throw new ApiError(response.status, body)
  return body as ReportDocument
}

/** Where the browser downloads a table of the report as CSV (the session cookie authenticates it). */
export const csvUrl = (kind: ReportKind, q: ReportQuery, table?: string) => `/api/reports/${kind}/csv?${search(q, table)}`
