/** The HTML report beside latest.json: headline figures against the targets of issue 7, and inline SVG charts. */

interface Point {
  readonly x: number
  readonly y: number
}
interface Series {
  readonly name: string
  readonly points: ReadonlyArray<Point>
}

export interface ReportCharts {
  readonly latencies: Readonly<Record<string, ReadonlyArray<number>>>
  readonly throughput: ReadonlyArray<{ readonly t: number; readonly accepted: number; readonly completed: number }>
  readonly backlogDrain: ReadonlyArray<{ readonly t: number; readonly backlog: number }>
  readonly stormDrain: ReadonlyArray<{ readonly t: number; readonly backlog: number }>
  readonly rss: ReadonlyArray<{ readonly t: number; readonly mb: Readonly<Record<string, number>> }>
}

const colours = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]
const W = 640, H = 260, L = 60, R = 130, T = 20, B = 36

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;" })[c]!)
const fmt = (n: number) => (Math.abs(n) >= 10_000 ? `${Math.round(n / 1000)}k` : `${Math.round(n * 10) / 10}`)

const lineChart = (title: string, xLabel: string, yLabel: string, series: ReadonlyArray<Series>): string => {
  const all = series.flatMap((s) => s.points)
  if (all.length === 0) return `<h3>${esc(title)}</h3><p>no samples</p>`
  const maxX = Math.max(...all.map((p) => p.x), 1e-9)
  const maxY = Math.max(...all.map((p) => p.y), 1e-9) * 1.05
  const sx = (x: number) => L + (x / maxX) * (W - L - R)
  const sy = (y: number) => H - B - (y / maxY) * (H - T - B)
  const ticks = [0, 0.25, 0.5, 0.75, 1]
  const grid = ticks.map((f) =>
    `<line x1="${L}" x2="${W - R}" y1="${sy(maxY * f)}" y2="${sy(maxY * f)}" stroke="#eee"/>` +
    `<text x="${L - 6}" y="${sy(maxY * f) + 4}" text-anchor="end" font-size="11">${fmt(maxY * f)}</text>` +
    `<text x="${sx(maxX * f)}" y="${H - B + 16}" text-anchor="middle" font-size="11">${fmt(maxX * f)}</text>`
  ).join("")
  const lines = series.map((s, i) => {
    const d = s.points.map((p, j) => `${j === 0 ? "M" : "L"}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join("")
    const c = colours[i % colours.length]
    return `<path d="${d}" fill="none" stroke="${c}" stroke-width="1.6"/>` +
      `<rect x="${W - R + 10}" y="${T + i * 18}" width="10" height="10" fill="${c}"/>` +
      `<text x="${W - R + 24}" y="${T + i * 18 + 9}" font-size="11">${esc(s.name)}</text>`
  }).join("")
  return `<h3>${esc(title)}</h3><svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">` +
    `${grid}<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="#999"/><line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="#999"/>` +
    `${lines}<text x="${(L + W - R) / 2}" y="${H - 4}" text-anchor="middle" font-size="11">${esc(xLabel)}</text>` +
    `<text x="12" y="${(T + H - B) / 2}" font-size="11" transform="rotate(-90 12 ${(T + H - B) / 2})" text-anchor="middle">${esc(yLabel)}</text></svg>`
}

const Buckets = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, Infinity]

const histogram = (title: string, samples: ReadonlyArray<number>): string => {
  const counts = Buckets.map(() => 0)
  for (const v of samples) counts[Buckets.findIndex((b) => v <= b)]! += 1
  const max = Math.max(...counts, 1)
  const bw = (W - L - 20) / Buckets.length
  const bars = counts.map((n, i) => {
    const h = (n / max) * (H - T - B)
    const label = Buckets[i] === Infinity ? `>${Buckets[i - 1]}` : `≤${Buckets[i]}`
    return `<rect x="${L + i * bw + 2}" y="${H - B - h}" width="${bw - 4}" height="${h}" fill="${(Buckets[i] ?? 0) <= 100 ? "#2ca02c" : (Buckets[i] ?? 0) <= 250 ? "#ff7f0e" : "#d62728"}"/>` +
      `<text x="${L + i * bw + bw / 2}" y="${H - B - h - 3}" text-anchor="middle" font-size="10">${n}</text>` +
      `<text x="${L + i * bw + bw / 2}" y="${H - B + 14}" text-anchor="middle" font-size="10">${label}</text>`
  }).join("")
  return `<h3>${esc(title)} (${samples.length} P1s, ms)</h3><svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">` +
    `${bars}<line x1="${L}" x2="${W - 20}" y1="${H - B}" y2="${H - B}" stroke="#999"/>` +
    `<text x="${(L + W) / 2}" y="${H - 4}" text-anchor="middle" font-size="11">ms from ingest accepted to the console's live stream</text></svg>`
}

/** Events/s between consecutive samples of a cumulative count. */
const rates = (samples: ReadonlyArray<{ readonly t: number }>, value: (s: any) => number): Array<Point> => {
  const out: Array<Point> = []
  for (let i = 1; i < samples.length; i++) {
    const dt = samples[i]!.t - samples[i - 1]!.t
    if (dt > 0) out.push({ x: samples[i]!.t, y: Math.max(0, (value(samples[i]) - value(samples[i - 1])) / dt) })
  }
  return out
}

type Verdict = "met" | "missed" | "n/a"
const check = (value: number | null, ok: (v: number) => boolean): Verdict => (value === null ? "n/a" : ok(value) ? "met" : "missed")

export const renderReport = (results: any, charts: ReportCharts): string => {
  const rows: Array<[string, string, string, Verdict]> = [
    ["baseline (raw JetStream publish)", `${results.baseline_eps} events/s`, "—", "n/a"],
    ["pipeline (ingest → triage → audit)", `${results.pipeline_eps} events/s`, "≥ 30,000 events/s", check(results.pipeline_eps, (v) => v >= 30_000)],
    ["pipeline / baseline", `${results.ratio}`, "≥ 0.6", check(results.ratio, (v) => v >= 0.6)],
    ["P1 p50 idle", `${results.p1_p50_idle_ms} ms`, "—", "n/a"],
    ["P1 p99 idle", `${results.p1_p99_idle_ms} ms`, "≤ 100 ms", check(results.p1_p99_idle_ms, (v) => v <= 100)],
    ["P1 p99 during telemetry backlog", `${results.p1_p99_backlog_ms} ms`, "≤ 250 ms", check(results.p1_p99_backlog_ms, (v) => v <= 250)],
    ["P1 p99 during storm", `${results.p1_p99_storm_ms} ms`, "≤ 250 ms", check(results.p1_p99_storm_ms, (v) => v <= 250)],
    [`storm drain (${results.storm_devices} devices, ${results.storm_events} events)`, `${results.storm_drain_s ?? "not drained"} s`, "≤ 60 s", results.storm_drain_s === null ? "missed" : check(results.storm_drain_s, (v) => v <= 60)],
    ["storm events lost", `${results.storm_lost}`, "0", check(results.storm_lost, (v) => v === 0)],
    ["max service RSS", `${results.max_rss_mb} MB`, "≤ 256 MB", check(results.max_rss_mb, (v) => v <= 256)]
  ]
  const table = `<table><tr><th>figure</th><th>measured</th><th>target</th><th></th></tr>${
    rows.map(([n, v, t, ok]) => `<tr><td>${esc(n)}</td><td>${esc(v)}</td><td>${esc(t)}</td><td class="${ok}">${ok}</td></tr>`).join("")
  }</table>`
  const services = [...new Set(charts.rss.flatMap((s) => Object.keys(s.mb)))]
  return `<!doctype html><html><head><meta charset="utf-8"><title>wt benchmark ${esc(results.at)}</title><style>
body{font-family:sans-serif;max-width:900px;margin:2em auto;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:left}
.met{color:#2a7d2a;font-weight:bold}.missed{color:#c22;font-weight:bold}pre{background:#f6f6f6;padding:1em;overflow:auto;font-size:12px}</style></head><body>
<h1>Benchmark: ${esc(results.mode)} run, ${esc(results.at)}</h1>
<p>${esc(`${results.machine.cpus} × ${results.machine.cpu}, ${results.machine.memory_mb} MB, Node ${results.machine.node}`)}. Targets from issue 7; a missed target is shown as missed.</p>
${table}
<h2>Throughput</h2>
${lineChart("Pipeline: ingest accepted and completed by every device consumer", "s since the first batch", "events/s", [
    { name: "accepted by ingest", points: rates(charts.throughput, (s) => s.accepted) },
    { name: "done by all consumers", points: rates(charts.throughput, (s) => s.completed) }
  ])}
${lineChart("Backlog drain: messages pending or unacknowledged, all consumers", "s since the backlog was stored", "messages", [
    { name: "telemetry backlog", points: charts.backlogDrain.map((s) => ({ x: s.t, y: s.backlog })) }
  ])}
${lineChart("Reconnect storm: messages pending or unacknowledged, all consumers", "s since the storm began", "messages", [
    { name: "storm", points: charts.stormDrain.map((s) => ({ x: s.t, y: s.backlog })) }
  ])}
<h2>P1 latency</h2>
${Object.entries(charts.latencies).map(([phase, samples]) => histogram(`P1 latency, ${phase}`, samples)).join("\n")}
<h2>Memory</h2>
${lineChart("Resident memory per service (VmRSS)", "s since start", "MB", services.map((name) => ({ name, points: charts.rss.map((s) => ({ x: s.t, y: s.mb[name] ?? 0 })) })))}
<h2>All figures</h2><pre>${esc(JSON.stringify(results, null, 2))}</pre>
</body></html>
`
}
