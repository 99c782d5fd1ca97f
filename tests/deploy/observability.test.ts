import { spawn, spawnSync } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Ajv } from "ajv"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parse } from "yaml"
import { Streams } from "@wt/contracts"
import { defaultPorts, ServiceNames } from "@wt/launcher"
import { AgencyStream, DeviceFramesStream, findNatsServer, freePort, makeNats, NoAuth, SealStream, SignsOfLifeStream } from "@wt/nats"
import { Effect } from "effect"
import { fieldAt, healthzMetricNames, jszLabels, jszMetrics, varzMetricNames } from "../support/nats-exporter-names.ts"
import { type Selector, selectorsOf } from "../support/promql.ts"

const root = fileURLToPath(new URL("../../", import.meta.url))
const read = (path: string) => readFileSync(join(root, path), "utf8")
const schema = (name: string) => JSON.parse(read(`deploy/schemas/${name}`)) as object

// The vendored schemas are draft-07 with SchemaStore's own keywords and formats here and there.
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false })
const compiled = new Map<string, ReturnType<typeof ajv.compile>>()
const valid = (schemaFile: string, value: unknown): ReadonlyArray<string> => {
  const check = compiled.get(schemaFile) ?? ajv.compile(schema(schemaFile))
  compiled.set(schemaFile, check)
  return check(value) ? [] : (check.errors ?? []).map((e) => `${e.instancePath} ${e.message}`)
}

interface AlertRule {
  readonly alert: string
  readonly expr: string
  readonly labels: Record<string, string>
  readonly annotations: Record<string, string>
}
const rules = parse(read("deploy/observability/alerts.yml")) as { groups: Array<{ name: string; rules: Array<AlertRule> }> }
const alertRules = rules.groups.flatMap((g) => g.rules)
const dashboard = JSON.parse(read("deploy/observability/grafana/wt-dashboard.json")) as {
  uid: string
  panels: Array<{ id: number; type: string; title: string; targets?: Array<{ expr: string }> }>
}
const dashboardExprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })))
const allSelectors: ReadonlyArray<Selector & { readonly where: string }> = [
  ...alertRules.flatMap((r) => selectorsOf(r.expr).map((s) => ({ ...s, where: `alert ${r.alert}` }))),
  ...dashboardExprs.flatMap((d) => selectorsOf(d.expr).map((s) => ({ ...s, where: `panel "${d.panel}"` })))
]
/** Prometheus's own series, not a service's. */
const synthetic = new Set(["up"])

describe("deploy/observability: the files Prometheus and Grafana load", () => {
  it("alerts.yml is a Prometheus rule file (SchemaStore's schema), every alert's expression is PromQL, with a severity and a runbook section", () => {
    expect(valid("prometheus.rules.json", rules)).toEqual([])
    const names = alertRules.map((r) => r.alert)
    expect(new Set(names).size).toBe(names.length)
    const operations = read("docs/operations.md")
    const anchors = new Set([...operations.matchAll(/^#{2,4} (.+)$/gmu)].map((m) => m[1]!.trim().toLowerCase().replace(/[^a-z0-9 -]/gu, "").replace(/ /gu, "-")))
    for (const rule of alertRules) {
      expect(() => selectorsOf(rule.expr), rule.alert).not.toThrow()
      expect(["page", "ticket"], rule.alert).toContain(rule.labels.severity)
      expect(rule.annotations.summary, rule.alert).toBeTruthy()
      expect(rule.annotations.runbook, rule.alert).toBe(`docs/operations.md#${rule.alert.toLowerCase()}`)
      expect(anchors.has(rule.alert.toLowerCase()), `docs/operations.md has a section ${rule.alert}`).toBe(true)
    }
  })

  it("the issue's alerts are there: a P1 unclaimed, consumer lag, dead letters growing, the audit trail behind ingest and broken, a node down, disk filling", () => {
    const metricsOf = (alert: string) => selectorsOf(alertRules.find((r) => r.alert === alert)!.expr).map((s) => s.metric)
    expect(metricsOf("WTP1Unclaimed")).toContain("wt_escalations_total")
    expect(metricsOf("WTConsumerLag")).toContain("nats_consumer_num_pending")
    expect(metricsOf("WTDeadLettersGrowing")).toContain("wt_dead_letters_total")
    expect(metricsOf("WTAuditBehindIngest")).toEqual(expect.arrayContaining(["wt_ingest_events_total", "wt_audit_device_events_total"]))
    expect(metricsOf("WTAuditTrailBroken")).toEqual(["wt_audit_trail_broken"])
    expect(metricsOf("NATSNodeDown")).toContain("up")
    expect(metricsOf("NATSJetStreamDiskFilling")).toEqual(expect.arrayContaining(["nats_varz_jetstream_stats_storage", "nats_varz_jetstream_config_max_storage"]))
  })

  it("prometheus.yml scrapes every service process the launcher runs, at its port, with the metrics token, and loads the rules", () => {
    const config = parse(read("deploy/observability/prometheus.yml")) as any
    expect(valid("prometheus.json", config)).toEqual([])
    expect(valid("prometheus.json", parse(read("deploy/observability/prometheus-kubernetes.yml")))).toEqual([])
    expect(config.rule_files).toEqual(["/etc/prometheus/alerts.yml"])
    const wt = config.scrape_configs.find((j: any) => j.job_name === "wt")
    expect(wt.authorization).toMatchObject({ type: "Bearer" })
    const scraped = wt.static_configs.map((s: any) => [s.labels.service, s.targets[0]])
    expect(scraped.sort()).toEqual(ServiceNames.map((name) => [name, `${name}:${defaultPorts[name]}`]).sort())
    const nats = config.scrape_configs.find((j: any) => j.job_name === "nats")
    expect(nats.static_configs.map((s: any) => s.labels.node)).toEqual(["nats-1", "nats-2", "nats-3"])
  })

  it("the Grafana dashboard: unique panel ids, every query is PromQL, the data source a variable", () => {
    const ids = dashboard.panels.map((p) => p.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(dashboardExprs.length).toBeGreaterThan(20)
    for (const { panel, expr } of dashboardExprs) expect(() => selectorsOf(expr), panel).not.toThrow()
    expect(JSON.stringify(dashboard)).toContain("\"uid\": \"${datasource}\"".replace(": ", ":"))
  })

  it("every wt_*, http_*, process_* and nodejs_* name the rules and the dashboard use is declared by a service or package", () => {
    const declared = declaredMetrics()
    const missing = allSelectors
      .filter((s) => !s.metric.startsWith("nats_") && !synthetic.has(s.metric))
      .filter((s) => !declared.has(s.metric) && !declared.has(s.metric.replace(/_(bucket|sum|count)$/u, "")))
      .map((s) => `${s.metric} (${s.where})`)
    expect(missing).toEqual([])
  })

  it("the stream and consumer names the rules match on are real: contract streams and durables the services create", () => {
    const InstallationStreams = [SealStream.name, AgencyStream, SignsOfLifeStream.name, DeviceFramesStream.name]
    const sources = sourceTexts().join("\n")
    for (const s of allSelectors) {
      for (const m of s.matchers) {
        if (m.label === "stream_name" && m.op === "=") expect([...Object.values(Streams), ...InstallationStreams], s.where).toContain(m.value)
        if (m.label === "consumer_name" && m.op === "=") expect(sources, `${m.value} in ${s.where}`).toContain(`"${m.value}"`)
      }
    }
  })

  const promtool = spawnSync("promtool", ["--version"]).status === 0
  // CI installs Debian's prometheus package for promtool (.ci/run); elsewhere it is optional.
  it.runIf(promtool || process.env["CI"] === "true")("promtool (Prometheus's own checker) accepts the rules, the compose scrape configuration and the rules' unit tests", () => {
    const dir = mkdtempSync(join(tmpdir(), "wt-promtool-"))
    try {
      const rulesCheck = spawnSync("promtool", ["check", "rules", join(root, "deploy/observability/alerts.yml")], { encoding: "utf8" })
      expect(rulesCheck.status, rulesCheck.stdout + rulesCheck.stderr).toBe(0)
      // The file names the paths inside the Prometheus container; here they are the repository's.
      writeFileSync(join(dir, "token"), "test-token")
      writeFileSync(
        join(dir, "prometheus.yml"),
        read("deploy/observability/prometheus.yml")
          .replace("/etc/prometheus/alerts.yml", join(root, "deploy/observability/alerts.yml"))
          .replace("/run/secrets/wt-metrics-token", join(dir, "token"))
      )
      const configCheck = spawnSync("promtool", ["check", "config", join(dir, "prometheus.yml")], { encoding: "utf8" })
      expect(configCheck.status, configCheck.stdout + configCheck.stderr).toBe(0)
      const unitTests = spawnSync("promtool", ["test", "rules", "alerts.test.yml"], { encoding: "utf8", cwd: join(root, "deploy/observability") })
      expect(unitTests.status, unitTests.stdout + unitTests.stderr).toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("deploy/observability: nats_* names are what prometheus-nats-exporter makes of a real nats-server", () => {
  let monitorUrl = ""
  let stop: () => void = () => undefined
  const dataDir = mkdtempSync(join(tmpdir(), "wt-nats-monitor-"))

  beforeAll(async () => {
    const binary = findNatsServer()
    if (binary === undefined) throw new Error("no nats-server on PATH or in /usr/sbin (apt-get install nats-server)")
    const [port, monitor] = await Effect.runPromise(Effect.all([freePort, freePort]))
    const child = spawn(binary, ["-a", "127.0.0.1", "-p", String(port), "-m", String(monitor), "-js", "-sd", dataDir], { stdio: "ignore" })
    stop = () => child.kill("SIGTERM")
    monitorUrl = `http://127.0.0.1:${monitor}`
    const natsUrl = `nats://127.0.0.1:${port}`
    await waitFor(async () => (await fetch(`${monitorUrl}/healthz`)).ok)
    // Streams and the durables the rules name, so /jsz has something to say about each.
    await createStreamsAndConsumers(natsUrl)
  }, 30_000)
  afterAll(() => {
    stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it("every nats_* name of the rules and the dashboard exists, and the /jsz field behind it is in the server's answer", async () => {
    const varz = await (await fetch(`${monitorUrl}/varz`)).json() as Record<string, unknown>
    const jsz = await (await fetch(`${monitorUrl}/jsz?consumers=true&config=true`)).json() as Record<string, unknown>
    const healthz = await (await fetch(`${monitorUrl}/healthz`)).json() as { status: string }
    expect(healthz.status).toBe("ok")
    const stream = fieldAt(jsz, ["account_details", "0", "stream_detail"]) as Array<Record<string, unknown>>
    const device = stream.find((s) => s["name"] === Streams.device)!
    const consumer = (device["consumer_detail"] as Array<Record<string, unknown>>)[0]!
    const known = new Set([...varzMetricNames(varz), ...healthzMetricNames])
    for (const metric of jszMetrics) {
      known.add(`nats_${metric.name}`)
      const at = metric.level === "server" ? jsz : metric.level === "stream" ? device : consumer
      if (metric.field !== undefined && allSelectors.some((s) => s.metric === `nats_${metric.name}`)) {
        expect(typeof fieldAt(at, metric.field), `nats_${metric.name} from ${metric.field.join(".")}`).toBe("number")
      }
    }
    const used = allSelectors.filter((s) => s.metric.startsWith("nats_"))
    expect(used.length).toBeGreaterThan(5)
    expect(used.filter((s) => !known.has(s.metric)).map((s) => `${s.metric} (${s.where})`)).toEqual([])
    // Label matchers on the /jsz metrics name labels the exporter sets.
    const jszLabelNames = new Set<string>([...jszLabels.server, ...jszLabels.stream, ...jszLabels.consumer, "node", "job", "instance"])
    for (const s of used.filter((s) => /^nats_(server|stream|consumer)_/u.test(s.metric))) {
      for (const m of s.matchers) expect(jszLabelNames.has(m.label), `${m.label} on ${s.metric} (${s.where})`).toBe(true)
    }
  })
})

const waitFor = async (check: () => Promise<boolean>) => {
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error("nats-server did not come up")
}

const createStreamsAndConsumers = (url: string) =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    // A bare nats-server: no credentials, no TLS, the client's own inboxes.
    const nats = yield* makeNats({ url, name: "wt-observability-test", auth: NoAuth, tls: undefined, inboxPrefix: undefined })
    const subjects: Record<string, string> = { [Streams.device]: "wt.dev.>", [Streams.incident]: "wt.inc.>", [Streams.audit]: "wt.audit.>", [Streams.deadLetter]: "wt.dlq.>" }
    for (const [name, subject] of Object.entries(subjects)) yield* nats.addStream({ name, subjects: [subject] })
    for (const durable of ["triage-alarm", "audit-device"]) {
      yield* nats.addConsumer(Streams.device, { durable_name: durable, ack_policy: "explicit" })
    }
  })))

const sourceTexts = (): ReadonlyArray<string> => {
  const texts: Array<string> = []
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (name === "node_modules" || name === "dist" || name === "web") continue
      const path = join(dir, name)
      if (statSync(path).isDirectory()) walk(path)
      else if (name.endsWith(".ts") && !name.endsWith(".test.ts")) texts.push(readFileSync(path, "utf8"))
    }
  }
  walk(join(root, "packages"))
  walk(join(root, "services"))
  return texts
}

/** Names given to a metric constructor anywhere in the services and packages. */
const declaredMetrics = (): ReadonlySet<string> => {
  const names = new Set<string>()
  const constructor = /(?:Metric\.(?:counter|gauge|histogram|summary|frequency)|latencyHistogram|totalCounter)\(\s*"([a-zA-Z_:][a-zA-Z0-9_:]*)"/gu
  for (const text of sourceTexts()) for (const match of text.matchAll(constructor)) names.add(match[1]!)
  return names
}
