import type { IncidentView, TimelineRow } from "@wt/read-models"
import { type IncidentIntegrity, integrityLines } from "./incident-integrity.ts"
import { formatDuration, type OwnershipInterval } from "./ownership.ts"

/** One incident as `wt timeline` shows it. */
export interface TimelineReport {
  readonly incident: IncidentView
  readonly timeline: ReadonlyArray<TimelineRow>
  readonly ownership: ReadonlyArray<OwnershipInterval>
  readonly generatedAt: string
  /** With --verify: every audit entry about the incident, proven against the seals. */
  readonly integrity?: IncidentIntegrity
}

const who = (a: { readonly kind: string; readonly id: string; readonly name?: string }) =>
  a.name === undefined ? `${a.kind}:${a.id}` : `${a.kind}:${a.id} (${a.name})`

const heading = (i: IncidentView) =>
  `Incident ${i.incidentId} · tenant ${i.tenant} · resident ${i.residentId} · ${i.priority} ${i.category} · ${i.alarmType} · status ${i.status}`

export const timelineText = (r: TimelineReport): string => {
  const width = Math.max(0, ...r.timeline.map((t) => t.kind.length))
  return [
    heading(r.incident),
    `Opened ${r.incident.openedAt}${r.incident.endedAt === undefined ? "" : `, ended ${r.incident.endedAt}`}`,
    "",
    "Timeline (time · handling code · kind · actor · what happened)",
    ...r.timeline.map((t) =>
      `  ${t.at}  ${t.handlingCode === undefined ? "  " : String(t.handlingCode).padStart(2)}  ${t.kind.padEnd(width)}  ${who(t.actor)}  ${t.summary}`
    ),
    "",
    "Ownership",
    ...r.ownership.map((o) =>
      `  ${o.from} – ${o.to ?? "now"}  ${o.durationMs === undefined ? "(still owned)" : `(${formatDuration(o.durationMs)})`}  ${who(o.owner)}  [${o.because}]`
    ),
    ...(r.integrity === undefined ? [] : ["", "Record integrity", ...integrityLines(r.integrity).map((l) => `  ${l}`)])
  ].join("\n")
}

const escape = (s: string) =>
  s.replace(/&/gu, "&amp;").replace(/</gu, "&lt;").replace(/>/gu, "&gt;").replace(/"/gu, "&quot;").replace(/'/gu, "&#39;")

/** A self-contained page that prints on A4: the timeline and the ownership intervals. */
export const timelineHtml = (r: TimelineReport): string => {
  const i = r.incident
  const rows = r.timeline.map((t) =>
    `<tr><td class="t">${escape(t.at)}</td><td class="c">${t.handlingCode ?? ""}</td><td>${escape(t.kind)}</td><td>${escape(who(t.actor))}</td><td>${escape(t.summary)}</td></tr>`
  ).join("\n")
  const owners = r.ownership.map((o) =>
    `<tr><td class="t">${escape(o.from)}</td><td class="t">${escape(o.to ?? "now")}</td><td>${o.durationMs === undefined ? "still owned" : escape(formatDuration(o.durationMs))}</td><td>${escape(who(o.owner))}</td><td>${escape(o.because)}</td></tr>`
  ).join("\n")
  return `<!doctype html>
<html lang="nb">
<head>
<meta charset="utf-8">
<title>Incident ${escape(i.incidentId)}: timeline</title>
<style>
  body { font: 11pt/1.4 system-ui, sans-serif; margin: 2em; color: #111; }
  h1 { font-size: 15pt; margin: 0 0 .2em; } h2 { font-size: 12pt; margin: 1.4em 0 .4em; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .1em 1em; margin: .6em 0; }
  dt { font-weight: 600; } dd { margin: 0; }
  table { border-collapse: collapse; width: 100%; }
  th, td { border-bottom: 1px solid #ccc; padding: .25em .4em; text-align: left; vertical-align: top; }
  th { background: #f2f2f2; } td.t { white-space: nowrap; font-variant-numeric: tabular-nums; } td.c { text-align: right; }
  tr { break-inside: avoid; } footer { margin-top: 2em; font-size: 9pt; color: #555; }
  @page { size: A4; margin: 15mm; } @media print { body { margin: 0; } }
</style>
</head>
<body>
<h1>Incident ${escape(i.incidentId)}</h1>
<dl>
  <dt>Tenant</dt><dd>${escape(i.tenant)}</dd>
  <dt>Resident</dt><dd>${escape(i.residentId)}</dd>
  <dt>Alarm</dt><dd>${escape(i.alarmType)} (${escape(i.category)}, ${escape(i.priority)})</dd>
  <dt>Status</dt><dd>${escape(i.status)}</dd>
  <dt>Opened</dt><dd>${escape(i.openedAt)}</dd>
  <dt>Ended</dt><dd>${escape(i.endedAt ?? "not ended")}</dd>
</dl>
<h2>Timeline</h2>
<table>
<thead><tr><th>Time (UTC)</th><th>Code</th><th>Kind</th><th>Actor</th><th>What happened</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<h2>Ownership</h2>
<table>
<thead><tr><th>From</th><th>To</th><th>Duration</th><th>Owner</th><th>Because of</th></tr></thead>
<tbody>
${owners}
</tbody>
</table>
${r.integrity === undefined ? "" : `<h2>Record integrity</h2>\n<ul>\n${integrityLines(r.integrity).map((l) => `<li>${escape(l)}</li>`).join("\n")}\n</ul>\n`}<footer>Generated ${escape(r.generatedAt)} by wt timeline. Codes are the national handling-log codes. The audit trail these entries come from is verified with <code>wt audit verify</code>.</footer>
</body>
</html>
`
}
