import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { histogramPng, lineChartPng } from "./charts/chart-png.ts"
import type { Point } from "./charts/chart-png.ts"
import { describeEscalation } from "./p1-probe.ts"

/** The HTML report beside latest.json: headline figures against the performance targets (docs/architecture.md), and PNG charts beside it. */

export interface ReportCharts {
  readonly latencies: Readonly<Record<string, ReadonlyArray<number>>>
  readonly throughput: ReadonlyArray<{ readonly t: number; readonly accepted: number; readonly completed: number }>
  readonly backlogDrain: ReadonlyArray<{ readonly t: number; readonly backlog: number }>
  readonly stormDrain: ReadonlyArray<{ readonly t: number; readonly backlog: number }>
  readonly rss: ReadonlyArray<{ readonly t: number; readonly mb: Readonly<Record<string, number>> }>
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;" })[c]!)

/** Events/s between consecutive samples of a cumulative count. */
const rates = (samples: ReadonlyArray<{ readonly t: number }>, value: (s: any) => number): Array<Point> => {
  const out: Array<Point> = []
  for (let i = 1; i < samples.length; i++) {
    const dt = samples[i]!.t - samples[i - 1]!.t
    if (dt > 0) out.push({ x: samples[i]!.t, y: Math.max(0, (value(samples[i]) - value(samples[i - 1])) / dt) })
  }
  return out
}

/** Messages drained per second while a backlog empties (the level only falling counts). */
const drainRates = (samples: ReadonlyArray<{ readonly t: number; readonly backlog: number }>): Array<Point> =>
  rates(samples.map((s) => ({ t: s.t, drained: -s.backlog })), (s) => s.drained)

export interface ChartFile {
  readonly file: string
  readonly section: "throughput" | "latency" | "memory"
  readonly alt: string
  readonly png: Buffer
}

const latencyTitles: Record<string, string> = {
  idle: "P1 LATENCY AT IDLE",
  backlog: "P1 LATENCY BEHIND THE TELEMETRY BACKLOG",
  storm: "P1 LATENCY DURING THE RECONNECT STORM"
}

/** The report's charts as PNG files, to be written beside latest.html. */
export const chartFiles = (charts: ReportCharts): Array<ChartFile> => {
  const services = [...new Set(charts.rss.flatMap((s) => Object.keys(s.mb)))]
  return [
    {
      file: "throughput.png",
      section: "throughput",
      alt: "Pipeline throughput over time: accepted by ingest and done by every device consumer",
      png: lineChartPng("PIPELINE THROUGHPUT", "S SINCE THE FIRST BATCH", "EVENTS/S", [
        { name: "ACCEPTED BY INGEST", points: rates(charts.throughput, (s) => s.accepted) },
        { name: "DONE BY ALL CONSUMERS", points: rates(charts.throughput, (s) => s.completed) }
      ])
    },
    {
      file: "storm-drain.png",
      section: "throughput",
      alt: "Reconnect storm: messages drained per second by all consumers, over time",
      png: lineChartPng("RECONNECT STORM: DRAIN THROUGHPUT", "S SINCE THE STORM BEGAN", "MESSAGES/S", [
        { name: "DRAINED PER S, ALL CONSUMERS", points: drainRates(charts.stormDrain) }
      ])
    },
    {
      file: "storm-backlog.png",
      section: "throughput",
      alt: "Reconnect storm: messages waiting on all consumers, over time",
      png: lineChartPng("RECONNECT STORM: MESSAGES WAITING", "S SINCE THE STORM BEGAN", "MESSAGES", [
        { name: "PENDING OR UNACKED", points: charts.stormDrain.map((s) => ({ x: s.t, y: s.backlog })) }
      ])
    },
    {
      file: "backlog-drain.png",
      section: "throughput",
      alt: "Telemetry backlog: messages drained per second by all consumers, over time",
      png: lineChartPng("TELEMETRY BACKLOG: DRAIN THROUGHPUT", "S SINCE THE BACKLOG WAS STORED", "MESSAGES/S", [
        { name: "DRAINED PER S, ALL CONSUMERS", points: drainRates(charts.backlogDrain) }
      ])
    },
    ...Object.entries(charts.latencies).map(([phase, samples]): ChartFile => ({
      file: `p1-latency-${phase}.png`,
      section: "latency",
      alt: `Histogram of P1 latency, ${phase}`,
      png: histogramPng(latencyTitles[phase] ?? `P1 LATENCY, ${phase.toUpperCase()}`, samples)
    })),
    {
      file: "rss.png",
      section: "memory",
      alt: "Resident memory per service over time",
      png: lineChartPng("RESIDENT MEMORY PER SERVICE (VMRSS)", "S SINCE START", "MB", services.map((name) => ({
        name: name.toUpperCase(),
        points: charts.rss.map((s) => ({ x: s.t, y: s.mb[name] ?? 0 }))
      })))
    }
  ]
}

const img = (c: ChartFile) => `<p><img src="${esc(c.file)}" alt="${esc(c.alt)}" width="880" height="380"></p>`

type Verdict = "met" | "missed" | "n/a"
const check = (value: number | null, ok: (v: number) => boolean): Verdict => (value === null ? "n/a" : ok(value) ? "met" : "missed")

export const renderReport = (results: any, charts: ReadonlyArray<ChartFile>): string => {
  const cpuPerEvent: number | null = results.details?.pipeline?.cpu_us_per_event?.total ?? null
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
    ["max service RSS", `${results.max_rss_mb} MB`, "≤ 256 MB", check(results.max_rss_mb, (v) => v <= 256)],
    // No target is set for it: shown so that a storm holding escalations back (decision 31) is seen.
    ["P1 left unclaimed in the storm: escalated", results.details?.storm?.escalation === undefined ? "—" : describeEscalation(results.details.storm.escalation), "—", "n/a"],
    // Nor for this: a silent device is raised up to this much after its deadline (and a look, 2 s).
    ["absence watch, judged behind now in the storm (most)", results.details?.storm?.absence_judged_behind == null ? "—" : `${results.details.storm.absence_judged_behind.max_s} s`, "—", "n/a"],
    // Nor for this: how near its cap the heap of the service with the most state came in the storm.
    ["supervision's heap in use in the storm (most, of its cap)", results.details?.storm?.heap_used_peak_mb?.supervision == null ? "—" : `${results.details.storm.heap_used_peak_mb.supervision.used_mb} of ${results.details.storm.heap_used_peak_mb.supervision.cap_mb ?? "V8's own"} MB`, "—", "n/a"],
    // Issue 22's, stricter where it repeats one of the above.
    ["CPU per event, every process with nats-server (issue 22)", `${cpuPerEvent ?? "—"} µs`, "≤ 100 µs", check(cpuPerEvent, (v) => v <= 100)],
    ["pipeline / baseline (issue 22)", `${results.ratio}`, "≥ 0.5", check(results.ratio, (v) => v >= 0.5)],
    ["P1 p99 during telemetry backlog (issue 22)", `${results.p1_p99_backlog_ms} ms`, "≤ 100 ms", check(results.p1_p99_backlog_ms, (v) => v <= 100)]
  ]
  const table = `<table><tr><th>figure</th><th>measured</th><th>target</th><th></th></tr>${
    rows.map(([n, v, t, ok]) => `<tr><td>${esc(n)}</td><td>${esc(v)}</td><td>${esc(t)}</td><td class="${ok}">${ok}</td></tr>`).join("")
  }</table>`
  return `<!doctype html><html><head><meta charset="utf-8"><title>wt benchmark ${esc(results.at)}</title><style>
body{font-family:sans-serif;max-width:900px;margin:2em auto;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:left}
.met{color:#2a7d2a;font-weight:bold}.missed{color:#c22;font-weight:bold}pre{background:#f6f6f6;padding:1em;overflow:auto;font-size:12px}</style></head><body>
<h1>Benchmark: ${esc(results.mode)} run, ${esc(results.at)}</h1>
<p>${esc(`${results.machine.cpus} × ${results.machine.cpu}, ${results.machine.memory_mb} MB, Node ${results.machine.node}`)}. Targets from issues 7 and 22; a missed target is shown as missed.</p>
${table}
<h2>Throughput</h2>
${charts.filter((c) => c.section === "throughput").map(img).join("\n")}
<h2>P1 latency</h2>
${charts.filter((c) => c.section === "latency").map(img).join("\n")}
<h2>Memory</h2>
${charts.filter((c) => c.section === "memory").map(img).join("\n")}
<h2>All figures</h2><pre>${esc(JSON.stringify(results, null, 2))}</pre>
</body></html>
`
}

/** Writes latest.html and its PNG charts into `dir`; returns the files written. */
export const writeReport = (dir: string, results: any, charts: ReportCharts): ReadonlyArray<string> => {
  const files = chartFiles(charts)
  for (const chart of files) writeFileSync(join(dir, chart.file), chart.png)
  writeFileSync(join(dir, "latest.html"), renderReport(results, files))
  return ["latest.html", ...files.map((c) => c.file)]
}
