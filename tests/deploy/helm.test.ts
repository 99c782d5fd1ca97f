import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Ajv } from "ajv"
import { Deployment } from "kubernetes-models/apps/v1/Deployment"
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim"
import { Service } from "kubernetes-models/v1/Service"
import { describe, expect, it } from "vitest"
import { parse, parseAllDocuments } from "yaml"
import { defaultPorts, portVariable, ServiceNames } from "@wt/launcher"
import { type ChartContext, renderChart } from "../support/go-template.ts"

const root = fileURLToPath(new URL("../../", import.meta.url))
const chartDir = join(root, "deploy/helm/wt")
const chart = parse(readFileSync(join(chartDir, "Chart.yaml"), "utf8")) as { name: string; version: string; appVersion: string; dependencies: Array<any> }
const defaults = parse(readFileSync(join(chartDir, "values.yaml"), "utf8"), { merge: true }) as Record<string, any>
const templates = new Map(readdirSync(join(chartDir, "templates")).map((name) => [name, readFileSync(join(chartDir, "templates", name), "utf8")]))

/** Helm's coalescing of values: maps merge key by key, anything else is replaced. */
const merge = (base: any, over: any): any => {
  if (over === undefined) return base
  if (base === null || typeof base !== "object" || Array.isArray(base) || over === null || typeof over !== "object" || Array.isArray(over)) return over
  const out: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(over)) out[key] = merge(base[key], value)
  return out
}

const render = (overrides: Record<string, unknown> = {}) => {
  const context: ChartContext = {
    Values: merge(defaults, overrides),
    Release: { Name: "wt", Namespace: "default", Service: "Helm" },
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion }
  }
  const manifests: Array<any> = []
  for (const [file, text] of renderChart(templates, context)) {
    for (const document of parseAllDocuments(text)) {
      expect(document.errors, `${file}: ${document.errors.map((e) => e.message).join("; ")}`).toEqual([])
      const manifest = document.toJS()
      if (manifest !== null) manifests.push({ ...manifest, file })
    }
  }
  return manifests
}

/** Each manifest against the Kubernetes API's schema for its kind (kubernetes-models); a kind we do not know fails. */
const validateAll = (manifests: ReadonlyArray<any>) => {
  for (const { file, ...manifest } of manifests) {
    const where = `${file}: ${manifest.kind} ${manifest.metadata?.name}`
    switch (`${manifest.apiVersion}/${manifest.kind}`) {
      case "apps/v1/Deployment":
        expect(() => new Deployment(manifest).validate(), where).not.toThrow()
        break
      case "v1/Service":
        expect(() => new Service(manifest).validate(), where).not.toThrow()
        break
      case "v1/PersistentVolumeClaim":
        expect(() => new PersistentVolumeClaim(manifest).validate(), where).not.toThrow()
        break
      case "monitoring.coreos.com/v1/PodMonitor":
        expect(manifest.spec.podMetricsEndpoints[0], where).toMatchObject({ port: "http", path: "/metrics" })
        break
      default:
        throw new Error(`${where}: no schema for ${manifest.apiVersion} ${manifest.kind}`)
    }
  }
}

const deployments = (manifests: ReadonlyArray<any>) => new Map(manifests.filter((m) => m.kind === "Deployment").map((m) => [m.metadata.labels["app.kubernetes.io/component"], m]))
const envOf = (deployment: any): Record<string, any> =>
  Object.fromEntries(deployment.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]))

describe("deploy/helm/wt", () => {
  it("Chart.yaml is a Helm v2 chart (SchemaStore's schema) depending on the NATS project's own chart", () => {
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false })
    const check = ajv.compile(JSON.parse(readFileSync(join(root, "deploy/schemas/chart.json"), "utf8")))
    expect(check(chart) ? [] : check.errors).toEqual([])
    expect(chart.dependencies).toEqual([
      { name: "nats", version: expect.stringMatching(/^\d+\.\d+\.\d+$/u), repository: "https://nats-io.github.io/k8s/helm/charts/", condition: "nats.enabled" }
    ])
    // Three nodes with JetStream and the exporter whose names the alerts use (-prefix=nats).
    expect(defaults.nats).toMatchObject({ enabled: true, config: { cluster: { enabled: true, replicas: 3 }, jetstream: { enabled: true } }, promExporter: { enabled: true } })
  })

  it("renders with the default values into manifests the Kubernetes schemas accept", () => {
    const manifests = render()
    validateAll(manifests)
    expect(manifests.map((m) => m.kind).sort()).toEqual([
      ...Array(ServiceNames.length).fill("Deployment"),
      "PersistentVolumeClaim",
      ...Array(5).fill("Service")
    ].sort())
  })

  it("every service process is a Deployment with its command, port, readiness probe on /readyz, NATS, secrets and scrape annotations", () => {
    const byName = deployments(render())
    expect([...byName.keys()].sort()).toEqual([...ServiceNames].sort())
    for (const name of ServiceNames) {
      const deployment = byName.get(name)
      const pod = deployment.spec.template
      const container = pod.spec.containers[0]
      expect(container.args).toEqual([name])
      expect(container.image).toBe(`wt:${chart.appVersion}`)
      expect(container.ports[0]).toEqual({ name: "http", containerPort: defaultPorts[name], protocol: "TCP" })
      expect(container.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http" })
      expect(container.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "http" })
      const env = envOf(deployment)
      const variable = name === "triage-bulk" || name === "supervision" ? "WT_TRIAGE_PORT" : portVariable[name]
      expect(env[variable]).toBe(String(defaultPorts[name]))
      expect(env).toMatchObject({ NATS_URL: "nats://wt-nats:4222", NATS_STREAM_REPLICAS: "3", WT_BIND_HOST: "0.0.0.0" })
      for (const secret of ["DATABASE_URL", "WT_METRICS_TOKEN", "WT_AUDIT_FIELD_KEY", "WT_INSTALLATION_KEY"]) expect(env[secret].secretKeyRef.name, secret).toBe("wt-secrets")
      expect(env).not.toHaveProperty("OTEL_EXPORTER_OTLP_ENDPOINT")
      expect(pod.metadata.annotations).toEqual({ "prometheus.io/scrape": "true", "prometheus.io/port": String(defaultPorts[name]), "prometheus.io/path": "/metrics" })
      expect(pod.metadata.labels["app.kubernetes.io/part-of"]).toBe("wt")
      expect(deployment.spec.replicas).toBe(defaults.services[name].replicas)
    }
    const audit = byName.get("audit")
    expect(audit.spec.strategy).toEqual({ type: "Recreate" })
    expect(audit.spec.template.spec.volumes[0]).toEqual({ name: "data", persistentVolumeClaim: { claimName: "wt-wt-audit" } })
    expect(envOf(byName.get("receivers"))).toMatchObject({ WT_DC09_PORT: "9000", WT_SCAIP_PORT: "9100", WT_OSMAND_PORT: "5055" })
  })

  it("with NATS users, tracing, extra environment and PodMonitors switched on, still valid, each process its own user", () => {
    const manifests = render({
      natsAuth: { enabled: true, caSecret: "wt-nats-ca" },
      tracing: { otlpEndpoint: "http://otel-collector:4318" },
      env: { WT_ESCALATE_P1: "20 seconds" },
      services: { gateway: { replicas: 4, env: { LOG_LEVEL: "debug" } } },
      podMonitor: { enabled: true }
    })
    validateAll(manifests)
    const byName = deployments(manifests)
    const users: Record<string, string> = { "triage-bulk": "triage" }
    for (const name of ServiceNames) {
      const env = envOf(byName.get(name))
      const user = users[name] ?? name
      expect(env).toMatchObject({ NATS_USER: user, NATS_INBOX_PREFIX: `_INBOX.${user}`, NATS_CA: "/etc/wt/nats-ca/ca.crt", OTEL_EXPORTER_OTLP_ENDPOINT: "http://otel-collector:4318", WT_ESCALATE_P1: "20 seconds" })
      expect(env["NATS_PASSWORD"].secretKeyRef).toEqual({ name: "wt-secrets", key: `nats-password-${user}` })
    }
    expect(byName.get("gateway").spec.replicas).toBe(4)
    expect(envOf(byName.get("gateway"))["LOG_LEVEL"]).toBe("debug")
    expect(manifests.filter((m) => m.kind === "PodMonitor")).toHaveLength(ServiceNames.length)
  })

  it("the Kubernetes schemas are not a rubber stamp: a replica count that is not a number is refused", () => {
    expect(() => validateAll(render({ services: { gateway: { replicas: "two" } } }))).toThrow()
  })

  it("the renderer refuses what it does not know instead of rendering it wrongly", () => {
    const context: ChartContext = { Values: {}, Release: { Name: "r", Namespace: "n", Service: "Helm" }, Chart: { Name: "c", Version: "1", AppVersion: "1" } }
    expect(() => renderChart(new Map([["a.yaml", "{{ lookup \"v1\" \"Secret\" \"n\" \"s\" }}"]]), context)).toThrow("function \"lookup\" not defined")
    expect(() => renderChart(new Map([["a.yaml", "{{ if .Values.x }}x"]]), context)).toThrow("missing {{ end }}")
    expect(() => renderChart(new Map([["a.yaml", "{{ .Values }}"]]), context)).toThrow("map or list printed")
    expect(renderChart(new Map([["a.yaml", "a: {{- \" b\" }}\n{{- /* gone */}}\nc: {{ default \"d\" .Values.none | quote }}"]]), context).get("a.yaml")).toBe("a: b\nc: \"d\"")
  })
})
