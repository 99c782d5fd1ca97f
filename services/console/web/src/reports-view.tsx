import { useEffect, useState } from "preact/hooks"
import type { User } from "./api.ts"
import { type Bar, BarChart, IntervalChart } from "./report-charts.tsx"
import { csvUrl, fetchReport, type ReportDocument, type ReportKind, ReportKinds, type ReportQuery, type ReportRow } from "./report-client.ts"
import "./reports.css"

const percent = (v: number) => `${(v * 100).toFixed(v === 1 || v === 0 ? 0 : 1)} %`
const seconds = (ms: number) => (ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 60_000).toFixed(1)} min`)
const num = (v: ReportRow[string] | undefined) => (typeof v === "number" ? v : null)
const str = (v: ReportRow[string] | undefined) => (typeof v === "string" ? v : "")

const AnswerTarget60 = 0.985

const cell = (column: string, value: ReportRow[string] | undefined) => {
  if (value === null || value === undefined) return <td class="muted">—</td>
  if ((column === "incidentId" || column === "firstIncidentId") && typeof value === "string") {
    return <td><a href={`#/timeline/${encodeURIComponent(value)}`} data-testid="timeline-link">{value}</a></td>
  }
  if (column === "meetsTargets") return <td class={value === true ? "met" : "miss"}>{value === true ? "met" : "missed"}</td>
  if (typeof value === "number" && column.endsWith("Ms")) return <td>{seconds(value)}</td>
  if (typeof value === "number" && /share/iu.test(column)) return <td>{percent(value)}</td>
  if (typeof value === "boolean") return <td>{value ? "yes" : "no"}</td>
  return <td>{String(value)}</td>
}

const ReportTableView = ({ report, index, query }: { readonly report: ReportDocument; readonly index: number; readonly query: ReportQuery }) => {
  const t = report.tables[index]!
  const columns = t.columns.filter((c) => c !== "timelineUrl" && c !== "timelineCommand")
  return (
    <section class="table-wrap" data-testid={`report-table-${t.name}`}>
      <h3>
        {t.title} <small class="muted">({t.rows.length})</small>{" "}
        <a href={csvUrl(report.kind, query, index === 0 ? undefined : t.name)} download data-testid={`csv-${t.name}`}>CSV</a>
      </h3>
      {t.rows.length === 0 ? <p class="muted">None in this period.</p> : (
        <table class="report">
          <thead><tr>{columns.map((c) => <th key={c}>{c}</th>)}</tr></thead>
          <tbody>
            {t.rows.map((row, i) => <tr key={i}>{columns.map((c) => cell(c, row[c]))}</tr>)}
          </tbody>
        </table>
      )}
    </section>
  )
}

const tenantsOf = (rows: ReadonlyArray<ReportRow>) => [...new Set(rows.map((r) => str(r.tenant)))]

const Charts = ({ report }: { readonly report: ReportDocument }) => {
  const main = report.tables[0]?.rows ?? []
  const fromMs = Date.parse(report.from)
  const toMs = Date.parse(report.to)
  switch (report.kind) {
    case "sla":
      return (
        <>
          {tenantsOf(main).map((tenant) => {
            const mine = main.filter((r) => r.tenant === tenant)
            const hourBars: Array<Bar> = Array.from({ length: 24 }, (_, h) => {
              const row = mine.find((r) => r.by === "hour" && r.group === String(h).padStart(2, "0"))
              const v = row === undefined ? null : num(row.share60s)
              return { label: String(h).padStart(2, "0"), value: v, className: v === null ? "" : v >= AnswerTarget60 ? "met" : "miss" }
            })
            const priorityBars = mine.filter((r) => r.by === "priority").map((r): Bar => ({
              label: str(r.group),
              value: num(r.share60s),
              className: str(r.group)
            }))
            return (
              <div class="charts" key={tenant}>
                <figure>
                  <figcaption>{tenant}: answered within 60 s, by local hour of receipt</figcaption>
                  <BarChart bars={hourBars} max={1} target={{ value: AnswerTarget60, label: "98.5 %" }} format={percent} testId="chart-sla-hours" />
                </figure>
                <figure>
                  <figcaption>{tenant}: within 60 s by priority</figcaption>
                  <BarChart bars={priorityBars} max={1} target={{ value: AnswerTarget60, label: "98.5 %" }} format={percent} testId="chart-sla-priority" />
                </figure>
              </div>
            )
          })}
        </>
      )
    case "on-site": {
      const summary = report.tables[1]?.rows ?? []
      const bars = summary.filter((r) => r.priority !== "all").map((r): Bar => ({ label: `${str(r.tenant)} ${str(r.priority)}`, value: num(r.medianMs), className: str(r.priority) }))
      return (
        <div class="charts">
          <figure>
            <figcaption>Median time from receipt to responder on site</figcaption>
            <BarChart bars={bars} format={seconds} testId="chart-on-site" />
          </figure>
        </div>
      )
    }
    case "repeated": {
      const states = ["confirmed", "pending", "missing"] as const
      const bars = states.map((s): Bar => ({ label: s, value: main.filter((r) => r.secondPerson === s).length, className: s === "missing" ? "miss" : s === "confirmed" ? "met" : "" }))
      return (
        <div class="charts">
          <figure>
            <figcaption>Second person on the closing</figcaption>
            <BarChart bars={bars} format={(v) => String(Math.round(v))} testId="chart-repeated" />
          </figure>
        </div>
      )
    }
    case "floods":
    case "ownerless": {
      const intervals = main.map((r) => ({
        label: report.kind === "floods" ? `${str(r.tenant)} ${num(r.peakAlarmsIn10Min) ?? ""}/10 min` : str(r.incidentId),
        fromMs: Date.parse(str(r.from)),
        toMs: r.to === null ? Date.parse(report.generatedAt) : Date.parse(str(r.to)),
        className: report.kind === "floods" ? "miss" : str(r.priority)
      }))
      return (
        <div class="charts">
          <figure>
            <figcaption>{report.kind === "floods" ? "Flood periods over the period" : "Responsibility gaps over the period"}</figcaption>
            {intervals.length === 0 ? <p class="muted">None.</p> : <IntervalChart intervals={intervals} fromMs={fromMs} toMs={toMs} testId={`chart-${report.kind}`} />}
          </figure>
        </div>
      )
    }
    case "indicators":
      return (
        <>
          {main.map((r) => (
            <div class="charts" key={str(r.tenant)}>
              <figure>
                <figcaption>{str(r.tenant)}: users of welfare technology by device type</figcaption>
                <BarChart
                  bars={[["safety alarm", r.usersSafetyAlarm], ["sensor", r.usersSensor], ["GPS", r.usersGps], ["dispenser", r.usersMedication]].map(([label, v]) => ({ label: String(label), value: num(v as ReportRow[string]) }))}
                  format={(v) => String(Math.round(v))}
                  testId="chart-users"
                />
              </figure>
              <figure>
                <figcaption>{str(r.tenant)}: technical and care alarms; resolved without call-out {r.withoutCallOutShare === null ? "—" : percent(num(r.withoutCallOutShare)!)}</figcaption>
                <BarChart
                  bars={[{ label: "technical", value: num(r.technical), className: "technical" }, { label: "care", value: num(r.care), className: "care" }]}
                  format={(v) => String(Math.round(v))}
                  testId="chart-alarms"
                />
              </figure>
            </div>
          ))}
        </>
      )
  }
}

const today = () => new Date().toLocaleDateString("sv-SE")

/** `#/reports/<kind>`: a supervisor's reports for a local day, with charts, tables and CSV downloads. */
export const ReportsPage = ({ kind, user }: { readonly kind: ReportKind; readonly user: User }) => {
  const [query, setQuery] = useState<ReportQuery>({ day: today(), tenant: "", timeZone: "Europe/Oslo", operators: "" })
  const [report, setReport] = useState<ReportDocument | undefined>()
  const [error, setError] = useState<string | undefined>()
  useEffect(() => {
    setReport(undefined)
    setError(undefined)
    fetchReport(kind, query).then(setReport, (e: unknown) => setError(e instanceof Error ? e.message : String(e)))
  }, [kind, query.day, query.tenant, query.timeZone, query.operators])
  return (
    <section class="reports" data-testid="reports-page">
      <nav class="report-tabs">
        {ReportKinds.map((k) => <a key={k.kind} href={`#/reports/${k.kind}`} class={k.kind === kind ? "current" : ""}>{k.label}</a>)}
      </nav>
      <form class="period" onSubmit={(e) => e.preventDefault()}>
        <label>Day <input type="date" value={query.day} required onChange={(e) => setQuery({ ...query, day: e.currentTarget.value })} /></label>
        <label>
          Tenant{" "}
          <select value={query.tenant} onChange={(e) => setQuery({ ...query, tenant: e.currentTarget.value })}>
            <option value="">all of mine</option>
            {user.tenants.map((t) => <option key={t} value={t}>{t}</option>)}
          </select>
        </label>
        <label>Time zone <input value={query.timeZone} size={16} onChange={(e) => setQuery({ ...query, timeZone: e.currentTarget.value })} /></label>
        {kind === "floods"
          ? (
            <label title="Leave empty to count the operators who acted on incidents within 30 minutes">
              Operators on duty <input type="number" min={1} value={query.operators} size={4} placeholder="from actions" onChange={(e) => setQuery({ ...query, operators: e.currentTarget.value })} />
            </label>
          )
          : null}
      </form>
      {error !== undefined ? <p class="error" role="alert">{error}</p> : report === undefined ? <p>Loading report…</p> : (
        <>
          <h2>{report.title}</h2>
          <p class="muted">{report.from} – {report.to} · hours in {report.timeZone} · generated {report.generatedAt}</p>
          <Charts report={report} />
          {report.tables.map((_, i) => <ReportTableView key={`${report.kind}-${i}`} report={report} index={i} query={query} />)}
        </>
      )}
    </section>
  )
}
