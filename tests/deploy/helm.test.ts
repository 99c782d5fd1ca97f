import { spawnSync } from "node:child_process"
import { X509Certificate } from "node:crypto"
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, posix } from "node:path"
import { fileURLToPath } from "node:url"
import { Ajv } from "ajv"
import { Deployment } from "kubernetes-models/apps/v1/Deployment"
import { Job } from "kubernetes-models/batch/v1/Job"
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim"
import { Service } from "kubernetes-models/v1/Service"
import { describe, expect, it } from "vitest"
import { parse, parseAllDocuments } from "yaml"
import { defaultPorts, natsUserOf, portVariable, ServiceNames } from "@wt/launcher"
import { inboxPrefixOf, NatsUsers } from "@wt/nats"
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

/** A release being installed (revision 1) unless told otherwise: Helm's `.Release.IsInstall`, `.IsUpgrade`, `.Revision`. */
const installing = { Name: "wt", Namespace: "default", Service: "Helm", IsInstall: true, IsUpgrade: false, Revision: 1 }

const render = (overrides: Record<string, unknown> = {}, release: Partial<typeof installing> = {}) => {
  const Release = { ...installing, ...release }
  const context: ChartContext = {
    Values: merge(defaults, overrides),
    Release,
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
      case "batch/v1/Job":
        expect(() => new Job(manifest).validate(), where).not.toThrow()
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
/** A Deployment's (or a container's) environment: name → value, or its valueFrom. */
const envOf = (of: any): Record<string, any> =>
  Object.fromEntries((of.env ?? of.spec.template.spec.containers[0].env).map((e: any) => [e.name, e.value ?? e.valueFrom]))

/**
 * What a pod's first container sees at a path: the Secret and key projected there, and whether
 * that key is all the volume projects (a volume of every key would hand over the others' too).
 */
const projected = (pod: any, path: string): { secretName: string; key: string; only: boolean } | undefined => {
  for (const mount of pod.containers[0].volumeMounts ?? []) {
    if (!path.startsWith(`${mount.mountPath}/`)) continue
    const secret = pod.volumes.find((v: any) => v.name === mount.name)?.secret
    if (secret === undefined) return undefined
    const item = (secret.items ?? []).find((i: any) => i.path === path.slice(mount.mountPath.length + 1))
    if (item === undefined) return undefined
    expect(mount.readOnly, path).toBe(true)
    return { secretName: secret.secretName, key: item.key, only: secret.items.length === 1 }
  }
  return undefined
}

/** The users' keys a pod is given (keys of the users' Secret it projects). */
const userKeysOf = (pod: any): Array<string> =>
  pod.volumes.filter((v: any) => v.secret?.secretName === defaults.natsSecurity.usersSecret).flatMap((v: any) => (v.secret.items ?? [{ key: "*every key*" }]).map((i: any) => i.key))

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
      "Job",
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
      const variable = name === "triage-bulk" ? "WT_TRIAGE_PORT" : portVariable[name]
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

  it("with tracing, extra environment and PodMonitors switched on, still valid", () => {
    const manifests = render({
      tracing: { otlpEndpoint: "http://otel-collector:4318" },
      env: { WT_ESCALATE_P1: "20 seconds", NATS_DEVICE_MAX_AGE: "14 days" },
      services: { gateway: { replicas: 4, env: { LOG_LEVEL: "debug" } } },
      podMonitor: { enabled: true }
    })
    validateAll(manifests)
    const byName = deployments(manifests)
    for (const name of ServiceNames) {
      expect(envOf(byName.get(name))).toMatchObject({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://otel-collector:4318", WT_ESCALATE_P1: "20 seconds" })
    }
    expect(byName.get("gateway").spec.replicas).toBe(4)
    expect(envOf(byName.get("gateway"))["LOG_LEVEL"]).toBe("debug")
    expect(manifests.filter((m) => m.kind === "PodMonitor")).toHaveLength(ServiceNames.length)
    // Provisioning sizes the streams by the same settings the services get.
    expect(envOf(manifests.find((m) => m.kind === "Job").spec.template.spec.containers[0])).toMatchObject({ NATS_DEVICE_MAX_AGE: "14 days" })
  })

  it("every process connects as its own NATS user of users.ts: only that user's key is mounted, where NATS_NKEY_FILE points, and the CA where NATS_CA points", () => {
    const byName = deployments(render())
    for (const name of ServiceNames) {
      const user = natsUserOf[name]
      expect(defaults.services[name].natsUser, name).toBe(user)
      expect(NatsUsers).toContain(user)
      const pod = byName.get(name).spec.template.spec
      const env = envOf(byName.get(name))
      expect(env["NATS_INBOX_PREFIX"]).toBe(inboxPrefixOf(user))
      // What the container sees at NATS_NKEY_FILE: a Secret's key, projected alone.
      const key = projected(pod, env["NATS_NKEY_FILE"])
      expect(key, name).toEqual({ secretName: defaults.natsSecurity.usersSecret, key: `${user}.nk`, only: true })
      expect(projected(pod, env["NATS_CA"]), name).toEqual({ secretName: defaults.natsSecurity.caSecret, key: "ca.crt", only: true })
      // Readable by the pods' user through its group (mode 0440, fsGroup), by no one else.
      expect(pod.volumes.find((v: any) => v.secret?.secretName === defaults.natsSecurity.usersSecret).secret.defaultMode).toBe(0o440)
      expect(pod.securityContext).toMatchObject({ runAsUser: 1000, fsGroup: 1000 })
      for (const other of ["NATS_CREDS", "NATS_NKEY_SEED", "NATS_USER", "NATS_PASSWORD"]) expect(env, `${name}: ${other}`).not.toHaveProperty(other)
    }
    // A NATS of one's own with a publicly signed certificate: no CA mounted, the system's trusted.
    const publicCa = deployments(render({ natsSecurity: { caSecret: "" } }))
    for (const name of ServiceNames) {
      expect(envOf(publicCa.get(name))).not.toHaveProperty("NATS_CA")
      expect(publicCa.get(name).spec.template.spec.volumes.map((v: any) => v.name)).not.toContain("nats-ca")
    }
  })

  it("the provision Job runs deploy/nats/provision.ts as the provision user, the only pod given its key: a Job at install, a pre-upgrade hook at each upgrade", () => {
    const manifests = render()
    const jobs = manifests.filter((m) => m.kind === "Job")
    expect(jobs).toHaveLength(1)
    const job = jobs[0]
    expect(job.metadata.name).toBe("wt-wt-provision-1")
    // At install an ordinary resource: `helm install --wait` waits for services that need it, and it runs beside them.
    expect(job.metadata.annotations).toBeUndefined()
    expect(job.spec.backoffLimit).toBeGreaterThanOrEqual(5)
    const pod = job.spec.template.spec
    const container = pod.containers[0]
    expect(container.args).toEqual(["provision"])
    const env = envOf(container)
    expect(env).toMatchObject({ NATS_URL: "nats://wt-nats:4222", NATS_STREAM_REPLICAS: "3", NATS_INBOX_PREFIX: "_INBOX.provision" })
    expect(projected(pod, env["NATS_NKEY_FILE"])).toEqual({ secretName: defaults.natsSecurity.usersSecret, key: "provision.nk", only: true })
    expect(projected(pod, env["NATS_CA"])).toEqual({ secretName: defaults.natsSecurity.caSecret, key: "ca.crt", only: true })
    // No other pod of the release is given the provision user's key, nor any key but one.
    for (const manifest of manifests.filter((m) => m.spec?.template?.spec !== undefined)) {
      const keys = userKeysOf(manifest.spec.template.spec)
      expect(keys, `${manifest.kind} ${manifest.metadata.name}`).toHaveLength(1)
      if (manifest !== job) expect(keys, manifest.metadata.name).not.toContain("provision.nk")
    }
    // At an upgrade, a pre-upgrade hook of its own name: new streams and settings before new pods.
    const upgrade = render({}, { IsInstall: false, IsUpgrade: true, Revision: 7 }).filter((m) => m.kind === "Job")
    validateAll(upgrade)
    expect(upgrade[0].metadata.name).toBe("wt-wt-provision-7")
    expect(upgrade[0].metadata.annotations).toEqual({ "helm.sh/hook": "pre-upgrade", "helm.sh/hook-delete-policy": "before-hook-creation" })
  })

  it("the NATS chart's values: TLS for clients and routes (routes verify both ends) from the release's Secrets, the CA, and the users' authorization file included from a mounted Secret", () => {
    const nats = defaults.nats
    const { usersSecret, caSecret } = defaults.natsSecurity
    expect(nats.config.nats.tls).toMatchObject({ enabled: true, secretName: "wt-nats-tls" })
    expect(nats.config.cluster.tls).toMatchObject({ enabled: true, secretName: "wt-nats-tls", merge: { verify: true } })
    // The chart writes ca_file into every tls block from tlsCA: the same CA the services trust.
    expect(nats.tlsCA).toEqual({ enabled: true, secretName: caSecret, key: "ca.crt" })
    // `$include` is made an include directive, relative to /etc/nats-config/nats.conf (the chart's configuration).
    const include = posix.join("/etc/nats-config", nats.config.merge["$include"])
    expect(include).toBe("/etc/nats-auth/authorization.conf")
    const mount = nats.container.patch.find((p: any) => p.path === "/volumeMounts/-").value
    expect(include.startsWith(`${mount.mountPath}/`)).toBe(true)
    // The reloader gets the nats container's mounts under these prefixes, and reloads when the file changes.
    expect(mount.mountPath.startsWith("/etc/")).toBe(true)
    const volume = nats.podTemplate.patch.find((p: any) => p.path === "/spec/volumes/-").value
    expect(volume).toEqual({ name: mount.name, secret: { secretName: "wt-nats-auth" } })
    // nats-box would connect as no user and be refused.
    expect(nats.natsBox.enabled).toBe(false)
    // The limits of deploy/nats/cluster/nats-<n>.conf, so a chart node behaves as a compose node.
    const conf = readFileSync(join(root, "deploy/nats/cluster/nats-1.conf"), "utf8")
    for (const [key, value] of Object.entries({ max_payload: "<< 2MB >>", max_pending: "<< 64MB >>", max_connections: 10000, ping_interval: "2s", ping_max: 3, write_deadline: "10s" })) {
      expect(nats.config.merge[key], key).toBe(value)
      expect(conf).toMatch(new RegExp(`^${key}: "?${String(value).replace(/[<> ]/gu, "")}"?$`, "mu"))
    }
    // The Secrets the chart and the NATS chart name are the ones deploy/helm/nats-secrets.sh makes.
    const script = readFileSync(join(root, "deploy/helm/nats-secrets.sh"), "utf8")
    for (const name of [usersSecret, caSecret, "wt-nats-tls", "wt-nats-auth"]) expect(script).toMatch(new RegExp(`^apply (generic|tls) ${name} `, "mu"))
  })

  it("deploy/helm/nats-secrets.sh makes the keys and a certificate naming the NATS chart's Services and pods, and applies the four Secrets", () => {
    const scratch = mkdtempSync(join(tmpdir(), "wt-helm-secrets-"))
    try {
      // A stand-in kubectl: `create … --dry-run` prints its arguments as the manifest, `apply` logs what it was given.
      writeFileSync(join(scratch, "kubectl"), `#!/bin/sh\ncase " $* " in\n  *" create "*) echo "CREATE $*" ;;\n  *" apply "*) cat >> "${scratch}/applied" ;;\nesac\n`)
      chmodSync(join(scratch, "kubectl"), 0o755)
      const out = join(scratch, "secrets")
      const result = spawnSync("sh", ["deploy/helm/nats-secrets.sh", "--release", "care", "--namespace", "north", "--out", out], {
        cwd: root,
        encoding: "utf8",
        env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", WT_NODE: process.execPath, KUBECTL: join(scratch, "kubectl") }
      })
      expect(result.status, result.stderr).toBe(0)
      const applied = readFileSync(join(scratch, "applied"), "utf8").trim().split("\n")
      expect(applied).toHaveLength(4)
      const [users, auth, tls, ca] = applied.map((line) => line.split(" "))
      expect(users!.slice(0, 7)).toEqual(["CREATE", "--namespace", "north", "create", "secret", "generic", "wt-nats-users"])
      // Every user's key under its name, and nothing else.
      expect(users!.filter((a) => a.startsWith("--from-file=")).sort()).toEqual(NatsUsers.map((u) => `--from-file=${u}.nk=${out}/users/${u}.nk`).sort())
      expect(auth).toContain(`--from-file=authorization.conf=${out}/authorization.conf`)
      expect(tls!.slice(4, 7)).toEqual(["secret", "tls", "wt-nats-tls"])
      expect(tls).toEqual(expect.arrayContaining([`--cert=${out}/tls/care-nats.pem`, `--key=${out}/tls/care-nats-key.pem`]))
      expect(ca).toContain(`--from-file=ca.crt=${out}/tls/ca.pem`)
      for (const line of applied) expect(line).toMatch(/--dry-run=client --output=yaml$/u)
      // Clients reach the client Service, routes each pod through the headless Service: the certificate names both, for this release and namespace.
      const caCert = new X509Certificate(readFileSync(join(out, "tls/ca.pem")))
      const cert = new X509Certificate(readFileSync(join(out, "tls/care-nats.pem")))
      expect(cert.verify(caCert.publicKey)).toBe(true)
      // Routes go to the pods' full names (values: routeURLs.useFQDN), which a wildcard of several labels covers for every TLS library.
      expect(defaults.nats.config.cluster.routeURLs).toEqual({ useFQDN: true })
      for (const host of ["care-nats", "care-nats.north", "care-nats.north.svc.cluster.local", "care-nats-0.care-nats-headless.north.svc.cluster.local", "care-nats-2.care-nats-headless.north.svc.cluster.local"]) {
        expect(cert.checkHost(host), host).toBeDefined()
      }
      expect(cert.checkHost("care-nats-0.other-headless.north.svc.cluster.local")).toBeUndefined()
      expect(cert.checkHost("care-nats-0.care-nats-headless.south.svc.cluster.local")).toBeUndefined()
      // Not in git: the folder defaults under .data/.
      expect(readFileSync(join(root, "deploy/helm/nats-secrets.sh"), "utf8")).toContain(": \"${out:=.data/helm-nats-secrets/")
    } finally {
      rmSync(scratch, { recursive: true, force: true })
    }
  }, 60_000)

  it("no placeholder is left in the chart or the operations guide", () => {
    const files = [join(chartDir, "values.yaml"), ...[...templates.keys()].map((name) => join(chartDir, "templates", name)), join(root, "docs/operations.md")]
    for (const path of files) expect(readFileSync(path, "utf8"), path).not.toMatch(/LEAD:|natsAuth|NATS_PASSWORD|nats-password-/u)
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
