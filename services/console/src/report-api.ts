import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { ReportKinds } from "@wt/reports"
import { Forbidden } from "./api-errors.ts"

/** A tenant the caller does not serve is answered as if it did not exist. */
export class ReportTenantNotFound extends Schema.TaggedError<ReportTenantNotFound>()("ReportTenantNotFound", {
  tenant: Schema.String
}, { httpApiStatus: 404 }) {}

export class InvalidReportQuery extends Schema.TaggedError<InvalidReportQuery>()("InvalidReportQuery", {
  message: Schema.String
}, { httpApiStatus: 400 }) {}

export const ReportKind = Schema.Literals(ReportKinds).annotate({ identifier: "ReportKind" })

const Cell = Schema.Union([Schema.String, Schema.Finite, Schema.Boolean, Schema.Null])

export const ReportTable = Schema.Struct({
  name: Schema.String,
  title: Schema.String,
  columns: Schema.Array(Schema.String),
  rows: Schema.Array(Schema.Record(Schema.String, Cell))
}).annotate({ identifier: "ReportTable" })

export const ReportDocument = Schema.Struct({
  kind: ReportKind,
  title: Schema.String,
  from: Schema.String,
  to: Schema.String,
  generatedAt: Schema.String,
  timeZone: Schema.String,
  /** The first table is the report's CSV; rows about an incident carry `timelineUrl` and `timelineCommand`. */
  tables: Schema.Array(ReportTable)
}).annotate({ identifier: "ReportDocument" })

const query = {
  tenant: Schema.optional(Schema.String),
  from: Schema.optional(Schema.String),
  to: Schema.optional(Schema.String),
  day: Schema.optional(Schema.String),
  timeZone: Schema.optional(Schema.String),
  operators: Schema.optional(Schema.String)
}

const errors = [Forbidden, ReportTenantNotFound, InvalidReportQuery] as const

const Csv = HttpApiSchema.WithHeaders(Schema.String.pipe(HttpApiSchema.asText({ contentType: "text/csv; charset=utf-8" })), {
  "content-disposition": Schema.String
})

/**
 * Supervision reports, for supervisors and admins of the tenants they serve (403 for operators,
 * 404 for another tenant). `api.ts` puts them behind the session authentication.
 */
export class ReportsApi extends HttpApiGroup.make("reports")
  .add(
    HttpApiEndpoint.get("report", "/reports/:kind", { params: { kind: ReportKind }, query, success: ReportDocument, error: errors }).annotate(
      OpenApi.Description,
      "One report over incidents received in a period: `day` (YYYY-MM-DD in `timeZone`, default Europe/Oslo) or `from`/`to` (ISO instants; default the last 24 h). `tenant` narrows to one of the caller's tenants; `operators` fixes the operators on duty for `floods`."
    ),
    HttpApiEndpoint.get("csv", "/reports/:kind/csv", {
      params: { kind: ReportKind },
      query: { ...query, table: Schema.optional(Schema.String) },
      success: Csv,
      error: errors
    }).annotate(OpenApi.Description, "The report's main table (or `table`) as CSV, for download.")
  )
  .prefix("/api")
{}
