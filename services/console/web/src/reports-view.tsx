import { useEffect, useState } from "preact/hooks"
import type { User } from "./api.ts"
import { type Bar, BarChart, IntervalChart } from "./report-charts.tsx"
import { csvUrl, fetchReport, type ReportDocument, type ReportKind, ReportKinds, type ReportQuery, type ReportRow } from "./report-client.ts"
import { dateTime, num, osloDay, percent } from "./format.ts"
import { t, t as tr, term } from "./i18n.ts"
import "./reports.css"

const seconds = (ms: number) => (ms < 120_000 ? `${num(ms / 1000, 1)} s` : `${num(ms / 60_000, 1)} min`)
const numOf = (v: ReportRow[string] | undefined) => (typeof v === "number" ? v : null)
const str = (v: ReportRow[string] | undefined) => (typeof v === "string" ? v : "")

const AnswerTarget60 = 0.985

const cell = (column: string, value: ReportRow[string] | undefined) => {
  if (value === null || value === undefined) return <td class="muted">—</td>
  if ((column === "incidentId" || column === "firstIncidentId") && typeof value === "string") {
    return <td><a href={`#/timeline/${encodeURIComponent(value)}`} data-testid="timeline-link">{value}</a></td>
  }
  if (column === "meetsTargets") return <td class={value === true ? "met" : "miss"}>{value === true ? t().reports.met : t().reports.missed}</td>
  if (typeof value === "number" && column.endsWith("Ms")) return <td>{seconds(value)}</td>
  if (typeof value === "number" && /share/iu.test(column)) return <td>{percent(value)}</td>
  if (typeof value === "boolean") return <td>{value ? t().common.yes : t().common.no}</td>
  if (typeof value === "number") return <td>{Number.isInteger(value) ? num(value) : num(value, 2)}</td>
  return <td>{String(value)}</td>
}

const ReportTableView = ({ report, index, query }: { readonly report: ReportDocument; readonly index: number; readonly query: ReportQuery }) => {
  const t = report.tables[index]!
  const words = tr().reports
  const columns = t.columns.filter((c) => c !== "timelineUrl" && c !== "timelineCommand")
  return (
    <section class="table-wrap" data-testid={`report-table-${t.name}`}>
      <h3>
        {t.title} <small class="muted">({t.rows.length})</small>{" "}
        <a href={csvUrl(report.kind, query, index === 0 ? undefined : t.name)} download data-testid={`csv-${t.name}`}>CSV</a>
      </h3>
      {t.rows.length === 0 ? <p class="muted">{words.noneInPeriod}</p> : (
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
  const m = t().reports
  switch (report.kind) {
    case "sla":
      return (
        <>
          {tenantsOf(main).map((tenant) => {
            const mine = main.filter((r) => r.tenant === tenant)
            const hourBars: Array<Bar> = Array.from({ length: 24 }, (_, h) => {
              const row = mine.find((r) => r.by === "hour" && r.group === String(h).padStart(2, "0"))
              const v = row === undefined ? null : numOf(row.share60s)
              return { label: String(h).padStart(2, "0"), value: v, className: v === null ? "" : v >= AnswerTarget60 ? "met" : "miss" }
            })
            const priorityBars = mine.filter((r) => r.by === "priority").map((r): Bar => ({
              label: str(r.group),
              value: numOf(r.share60s),
              className: str(r.group)
            }))
            return (
              <div class="charts" key={tenant}>
                <figure>
                  <figcaption>{m.answeredHours(tenant)}</figcaption>
                  <BarChart bars={hourBars} max={1} target={{ value: AnswerTarget60, label: percent(AnswerTarget60) }} format={percent} testId="chart-sla-hours" />
                </figure>
                <figure>
                  <figcaption>{m.answeredPriority(tenant)}</figcaption>
                  <BarChart bars={priorityBars} max={1} target={{ value: AnswerTarget60, label: percent(AnswerTarget60) }} format={percent} testId="chart-sla-priority" />
                </figure>
              </div>
            )
          })}
        </>
      )
    case "on-site": {
      const summary = report.tables[1]?.rows ?? []
      const bars = summary.filter((r) => r.priority !== "all").map((r): Bar => ({ label: `${str(r.tenant)} ${str(r.priority)}`, value: numOf(r.medianMs), className: str(r.priority) }))
      return (
        <div class="charts">
          <figure>
            <figcaption>{m.medianOnSite}</figcaption>
            <BarChart bars={bars} format={seconds} testId="chart-on-site" />
          </figure>
        </div>
      )
    }
    case "repeated": {
      const states = ["confirmed", "pending", "missing"] as const
      const bars = states.map((s): Bar => ({ label: term(m.secondPersonState, s), value: main.filter((r) => r.secondPerson === s).length, className: s === "missing" ? "miss" : s === "confirmed" ? "met" : "" }))
      return (
        <div class="charts">
          <figure>
            <figcaption>{m.secondPerson}</figcaption>
            <BarChart bars={bars} format={(v) => String(Math.round(v))} testId="chart-repeated" />
          </figure>
        </div>
      )
    }
    case "floods":
    case "ownerless": {
      const intervals = main.map((r) => ({
        label: report.kind === "floods" ? `${str(r.tenant)} ${numOf(r.peakAlarmsIn10Min) ?? ""}/10 min` : str(r.incidentId),
        fromMs: Date.parse(str(r.from)),
        toMs: r.to === null ? Date.parse(report.generatedAt) : Date.parse(str(r.to)),
        className: report.kind === "floods" ? "miss" : str(r.priority)
      }))
      return (
        <div class="charts">
          <figure>
            <figcaption>{report.kind === "floods" ? m.floodPeriods : m.gaps}</figcaption>
            {intervals.length === 0 ? <p class="muted">{m.none}</p> : <IntervalChart intervals={intervals} fromMs={fromMs} toMs={toMs} testId={`chart-${report.kind}`} />}
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
                <figcaption>{m.usersByType(str(r.tenant))}</figcaption>
                <BarChart
                  bars={[[m.userTypes.safetyAlarm, r.usersSafetyAlarm], [m.userTypes.sensor, r.usersSensor], [m.userTypes.gps, r.usersGps], [m.userTypes.medication, r.usersMedication]].map(([label, v]) => ({ label: String(label), value: numOf(v as ReportRow[string]) }))}
                  format={(v) => String(Math.round(v))}
                  testId="chart-users"
                />
              </figure>
              <figure>
                <figcaption>{m.alarms(str(r.tenant), r.withoutCallOutShare === null ? "—" : percent(numOf(r.withoutCallOutShare)!))}</figcaption>
                <BarChart
                  bars={[{ label: m.technical, value: numOf(r.technical), className: "technical" }, { label: m.care, value: numOf(r.care), className: "care" }]}
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


/** `#/reports/<kind>`: a supervisor's reports for a local day, with charts, tables and CSV downloads. */
export const ReportsPage = ({ kind, user }: { readonly kind: ReportKind; readonly user: User }) => {
  const [query, setQuery] = useState<ReportQuery>({ day: osloDay(), tenant: "", timeZone: "Europe/Oslo", operators: "" })
  const [report, setReport] = useState<ReportDocument | undefined>()
  const [error, setError] = useState<string | undefined>()
  useEffect(() => {
    // The answer for a query the supervisor has since changed (the day picked over today's) may come
    // last: it must not replace the report of the query now shown.
    let current = true
    setReport(undefined)
    setError(undefined)
    fetchReport(kind, query).then(
      (answer) => current && setReport(answer),
      (e: unknown) => current && setError(e instanceof Error ? e.message : String(e))
    )
    return () => {
      current = false
    }
  }, [kind, query.day, query.tenant, query.timeZone, query.operators])
  const m = t()
  return (
    <section class="reports" data-testid="reports-page">
      <nav class="report-tabs">
        {ReportKinds.map((k) => <a key={k.kind} href={`#/reports/${k.kind}`} class={k.kind === kind ? "current" : ""}>{term(m.reports.kinds, k.kind)}</a>)}
      </nav>
      <form class="period" onSubmit={(e) => e.preventDefault()}>
        <label>{m.reports.day} <input type="date" value={query.day} required onChange={(e) => setQuery({ ...query, day: e.currentTarget.value })} /></label>
        <label>
          {m.reports.tenant}{" "}
          <select value={query.tenant} onChange={(e) => setQuery({ ...query, tenant: e.currentTarget.value })}>
            <option value="">{m.reports.allOfMine}</option>
            {user.tenants.map((t) => <option key={t} value={t}>{t}</option>)}
          </select>
        </label>
        <label>{m.reports.timeZone} <input value={query.timeZone} size={16} onChange={(e) => setQuery({ ...query, timeZone: e.currentTarget.value })} /></label>
        {kind === "floods"
          ? (
            <label title={m.reports.operatorsTitle}>
              {m.reports.operatorsOnDuty} <input type="number" min={1} value={query.operators} size={4} placeholder={m.reports.fromActions} onChange={(e) => setQuery({ ...query, operators: e.currentTarget.value })} />
            </label>
          )
          : null}
      </form>
      {error !== undefined ? <p class="error" role="alert">{error}</p> : report === undefined ? <p>{m.reports.loading}</p> : (
        <>
          <h2>{report.title}</h2>
          <p class="muted">{m.reports.period(dateTime(report.from), dateTime(report.to), report.timeZone, dateTime(report.generatedAt))}</p>
          <Charts report={report} />
          {report.tables.map((_, i) => <ReportTableView key={`${report.kind}-${i}`} report={report} index={i} query={query} />)}
        </>
      )}
    </section>
  )
}
