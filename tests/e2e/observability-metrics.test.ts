import { expect, layer } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import { parse } from "yaml"
import { ServiceNames } from "@wt/launcher"
import { alarmDevice, pendantAlarm } from "../support/events.ts"
import { eventually, postJson, queuedIncident, request, signIn } from "../support/http.ts"
import { exposedSeries, selectorsOf } from "../support/promql.ts"
import { openStream } from "../support/sse.ts"
import { E2ESystem } from "../support/system.ts"

const root = fileURLToPath(new URL("../../", import.meta.url))
const rules = parse(readFileSync(`${root}deploy/observability/alerts.yml`, "utf8")) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> }
const dashboard = JSON.parse(readFileSync(`${root}deploy/observability/grafana/wt-dashboard.json`, "utf8")) as { panels: Array<{ title: string; targets?: Array<{ expr: string }> }> }

/** Names the services export (nats_* come from the exporter, `up` from Prometheus: checked in tests/deploy/observability.test.ts). */
const ours = (metric: string) => !metric.startsWith("nats_") && metric !== "up"

const ruleSelectors = rules.groups.flatMap((g) => g.rules).flatMap((r) => selectorsOf(r.expr).map((s) => ({ ...s, where: `alert ${r.alert}` }))).filter((s) => ours(s.metric))
const panelSelectors = dashboard.panels.flatMap((p) => (p.targets ?? []).flatMap((t) => selectorsOf(t.expr).map((s) => ({ ...s, where: `panel "${p.title}"` })))).filter((s) => ours(s.metric))

/**
 * Series that appear only after a failure or an event this test does not cause (a dispatch step
 * failing, an anchor not written, the trail going backwards, a call-out, an absence). The
 * dashboard shows them; tests/deploy/observability.test.ts checks each is declared in the code.
 */
const onlyAfterRareEvents = new Set([
  "wt_dispatch_steps_total",
  "wt_dispatch_step_failures_total",
  "wt_audit_anchor_write_failures_total",
  "wt_audit_trail_breaks_total",
  "wt_supervision_absences_total",
  "wt_receiver_answer_ms_bucket"
])

layer(E2ESystem.layerWith({ env: { WT_ESCALATE_P1: "1 second", WT_AUDIT_SEAL_INTERVAL: "1 second" } }), { excludeTestServices: true, timeout: "120 seconds" })(
  "the metrics the alerts and the dashboard use, on a running installation",
  (it) => {
    it.effect("after an alarm left unclaimed, a rejected event and an unknown tracker, every service's /metrics carries every name the rules use", () =>
      Effect.gen(function*() {
        const sys = yield* E2ESystem
        const token = yield* signIn(sys.consoleUrl, "operator", sys.password)
        // A P1 nobody claims: escalated after WT_ESCALATE_P1 (1 s here).
        const { deviceId, residentId } = alarmDevice(20)
        expect((yield* postJson(`${sys.ingestUrl}/v1/events`, pendantAlarm(deviceId), { authorization: `Bearer ${sys.ingestKey}` })).status).toBe(202)
        yield* queuedIncident(sys.consoleUrl, token, residentId, { timeoutMs: 5000 })
        // An event that fails its schema: refused, dead-lettered.
        const refused = yield* postJson(`${sys.ingestUrl}/v1/events`, [{ id: "x", tenant: "demo", type: "safety_alarm" }], { authorization: `Bearer ${sys.ingestKey}` })
        expect(refused.status).toBe(400)
        // A tracker the registry does not know: refused by the OsmAnd receiver.
        expect((yield* request(`http://127.0.0.1:${sys.protocolPorts.osmand}/?id=000000000000000&lat=59.9&lon=10.7&timestamp=${Math.floor(Date.now() / 1000)}`)).status).toBe(400)

        const scrapeAll = Effect.forEach(ServiceNames, (name) =>
          Effect.map(request<string>(`http://127.0.0.1:${sys.services.ports[name]}/metrics`), (answer) => {
            expect(answer.status, name).toBe(200)
            return exposedSeries(String(answer.body))
          }))
        // A browser holding the live queue (wt_console_stream_clients).
        const stream = yield* openStream(`${sys.consoleUrl}/api/stream`, token)
        const needed = new Set([...ruleSelectors, ...panelSelectors].map((s) => s.metric).filter((m) => !onlyAfterRareEvents.has(m)))
        // Escalation, sealing and the flood watch (every 10 s) run on their own clocks: wait until every name is there.
        const series = yield* eventually(
          Effect.map(scrapeAll, (scrapes) => {
            const union = new Map<string, Set<string>>()
            for (const scrape of scrapes) {
              for (const [name, labels] of scrape) union.set(name, new Set([...(union.get(name) ?? []), ...labels]))
            }
            return [...needed].every((n) => union.has(n)) ? union : undefined
          }),
          30_000,
          500
        ).pipe(Effect.catchDefect(() => Effect.map(scrapeAll, (scrapes) => new Map(scrapes.flatMap((s) => [...s])))))

        expect(ruleSelectors.filter((s) => !series.has(s.metric)).map((s) => `${s.metric} (${s.where})`)).toEqual([])
        // And the labels the rules match on are labels those series carry (or Prometheus adds: deploy/observability/prometheus.yml).
        const targetLabels = new Set(["job", "instance", "service", "node"])
        for (const s of ruleSelectors) {
          for (const m of s.matchers.filter((m) => !targetLabels.has(m.label))) expect(series.get(s.metric)?.has(m.label), `${m.label} on ${s.metric} (${s.where})`).toBe(true)
        }
        const missingPanels = panelSelectors.filter((s) => !series.has(s.metric) && !onlyAfterRareEvents.has(s.metric))
        expect(missingPanels.map((s) => `${s.metric} (${s.where})`)).toEqual([])
        stream.close()
        console.log(`dashboard series not seen in this run (they need a rare event): ${[...onlyAfterRareEvents].filter((n) => !series.has(n)).join(", ") || "none"}`)
      }))
  }
)
