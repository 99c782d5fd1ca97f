import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { ConfigProvider, Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parse } from "yaml"
import { Streams, Subjects } from "@wt/contracts"
import { findNatsServer, freePort, makeNats, Nats, natsSettingsFromEnv, publishRaw } from "@wt/nats"
import { type ChartContext, renderChart } from "../support/go-template.ts"
import { root } from "./compose-file.ts"

/**
 * deploy/helm/wt's NATS wiring on real nats-servers, without Kubernetes or helm:
 * deploy/helm/nats-secrets.sh makes the Secrets (a stand-in kubectl keeps each Secret as the
 * folder Kubernetes would mount: one file per key); three servers run the configuration the NATS
 * chart 2.14.2 writes for our `nats:` values (its files/config/{config,cluster,tls,jetstream}.yaml
 * and `nats.formatConfig`, reproduced below for the parts the values use: JSON, `$include` keys
 * made include directives, `<< … >>` unquoted) with the Secrets mounted where the chart and our
 * patches mount them; the provision Job's environment provisions, a Deployment's environment
 * publishes. Only ports and the routes' host names are rewritten for loopback.
 */

const chartDir = join(root, "deploy/helm/wt")
const chart = parse(readFileSync(join(chartDir, "Chart.yaml"), "utf8")) as { name: string; version: string; appVersion: string }
const values = parse(readFileSync(join(chartDir, "values.yaml"), "utf8"), { merge: true }) as Record<string, any>
const release = "wt"
const namespace = "default"

const scratch = mkdtempSync(join(tmpdir(), "wt-helm-nats-"))
const children: Array<ChildProcess> = []
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL")
  rmSync(scratch, { recursive: true, force: true })
})

/** A Secret as Kubernetes mounts it: a folder with a file per key. */
const secretDir = (name: string) => join(scratch, "secrets", name)

const manifests = () => {
  const templates = new Map(
    ["_helpers.tpl", "deployments.yaml", "provision-job.yaml"].map((name) => [name, readFileSync(join(chartDir, "templates", name), "utf8")])
  )
  const Release = { Name: release, Namespace: namespace, Service: "Helm", IsInstall: true, IsUpgrade: false, Revision: 1 }
  const context: ChartContext = { Values: values, Release, Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion } }
  return [...renderChart(templates, context).values()].flatMap((text) => text.split(/^---$/mu)).map((doc) => parse(doc)).filter((m) => m !== null)
}

/** A pod's environment, each path under a Secret volume replaced by the file of that Secret's key. */
const podEnv = (manifest: any, natsUrl: string): Record<string, string> => {
  const pod = manifest.spec.template.spec
  const env: Record<string, string> = {}
  for (const { name, value } of pod.containers[0].env as Array<{ name: string; value?: string }>) {
    if (value === undefined) continue
    env[name] = value
    for (const mount of pod.containers[0].volumeMounts) {
      const secret = pod.volumes.find((v: any) => v.name === mount.name)?.secret
      if (secret === undefined || !value.startsWith(`${mount.mountPath}/`)) continue
      const item = secret.items.find((i: any) => i.path === value.slice(mount.mountPath.length + 1))
      env[name] = join(secretDir(secret.secretName), item.key)
    }
  }
  return { ...env, NATS_URL: natsUrl }
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v)
const mergeOverwrite = (base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> => {
  const out = { ...base }
  for (const [k, v] of Object.entries(over)) out[k] = isMap(out[k]) && isMap(v) ? mergeOverwrite(out[k] as Record<string, unknown>, v) : v
  return out
}
const sortKeys = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(sortKeys) : isMap(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])])) : v

/** nats.conf as the NATS chart renders it for pod `ordinal` with our values (container paths). */
const chartNatsConf = (ordinal: number): string => {
  const config = values.nats.config
  const statefulSet = `${release}-nats`
  const tls = (block: any, dir: string) =>
    mergeOverwrite({ cert_file: `${dir}/tls.crt`, key_file: `${dir}/tls.key`, ca_file: `/etc/nats-ca-cert/${values.nats.tlsCA.key}` }, block.merge ?? {})
  const domain = config.cluster.routeURLs.useFQDN ? `${statefulSet}-headless.${namespace}.svc.cluster.local` : `${statefulSet}-headless`
  const conf = mergeOverwrite({
    server_name: `${statefulSet}-${ordinal}`,
    lame_duck_grace_period: "10s",
    lame_duck_duration: "30s",
    port: 4222,
    tls: tls(config.nats.tls, "/etc/nats-certs/nats"),
    cluster: {
      name: statefulSet,
      port: 6222,
      no_advertise: true,
      routes: Array.from({ length: config.cluster.replicas }, (_, i) => `tls://${statefulSet}-${i}.${domain}:6222`),
      tls: tls(config.cluster.tls, "/etc/nats-certs/cluster")
    },
    http_port: 8222,
    jetstream: { max_memory_store: 0, store_dir: "/data", max_file_store: `<< ${config.jetstream.fileStore.pvc.size} >>` }
  }, config.merge)
  // nats.formatConfig: pretty JSON; `"…$include": "x"` becomes `include x;`; `"<< v >>"` becomes v.
  return JSON.stringify(sortKeys(conf), null, 2)
    .replace(/".*\$include": "(.*)",?/gu, "include $1;")
    .replace(/"<<\s+(.*?)\s+>>"/gu, "$1")
}

describe("deploy/helm/wt's NATS, started from what nats-secrets.sh makes", () => {
  beforeAll(() => {
    // A stand-in kubectl: `create secret …` keeps the Secret's keys as files, as a mounted Secret volume holds them.
    const kubectl = join(scratch, "kubectl")
    writeFileSync(kubectl, `#!/bin/sh
set -eu
case " $* " in
  *" apply "*) cat > /dev/null; exit 0 ;;
esac
shift 2
kind="$3"; name="$4"; shift 4
dir="${scratch}/secrets/$name"
mkdir -p "$dir"
for arg in "$@"; do
  case "$arg" in
    --from-file=*) spec="\${arg#--from-file=}"; cp "\${spec#*=}" "$dir/\${spec%%=*}" ;;
    --cert=*) cp "\${arg#--cert=}" "$dir/tls.crt" ;;
    --key=*) cp "\${arg#--key=}" "$dir/tls.key" ;;
  esac
done
[ "$kind" = generic ] || [ "$kind" = tls ]
`)
    chmodSync(kubectl, 0o755)
    const made = spawnSync("sh", ["deploy/helm/nats-secrets.sh", "--release", release, "--namespace", namespace, "--out", join(scratch, "out")], {
      cwd: root,
      encoding: "utf8",
      env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", WT_NODE: process.execPath, KUBECTL: kubectl }
    })
    expect(made.status, made.stderr).toBe(0)
  })

  it("three servers on the chart's configuration form the cluster over verified TLS; the provision Job provisions, the gateway's pod publishes and is refused the rest", async () => {
    const binary = findNatsServer()
    expect(binary, "nats-server must be installed to run the deploy tests").toBeDefined()
    const ports = await Effect.runPromise(Effect.forEach([0, 1, 2], () => Effect.all({ client: freePort, cluster: freePort, http: freePort })))
    const natsUrl = ports.map((p) => `nats://127.0.0.1:${p.client}`).join(",")
    for (const ordinal of [0, 1, 2]) {
      const pod = join(scratch, `pod-${ordinal}`)
      // The pod's mounts: the chart's TLS Secret (for clients and routes), its CA, our authorization Secret (container.patch).
      const mounts: Record<string, string> = {
        "/etc/nats-certs/nats": values.nats.config.nats.tls.secretName,
        "/etc/nats-certs/cluster": values.nats.config.cluster.tls.secretName,
        "/etc/nats-ca-cert": values.nats.tlsCA.secretName,
        [values.nats.container.patch[0].value.mountPath]: values.nats.podTemplate.patch[0].value.secret.secretName
      }
      for (const [path, secret] of Object.entries(mounts)) {
        mkdirSync(join(pod, path), { recursive: true })
        for (const key of ["tls.crt", "tls.key", "ca.crt", "authorization.conf"]) {
          try {
            copyFileSync(join(secretDir(secret), key), join(pod, path, key))
          } catch {
            // A Secret holds only some of these keys.
          }
        }
      }
      const p = ports[ordinal]!
      const conf = chartNatsConf(ordinal)
        .replaceAll(/"\/(etc|data)\//gu, `"${pod}/$1/`)
        .replaceAll(/"\/data"/gu, `"${pod}/data"`)
        .replace(/"port": 4222/u, `"port": ${p.client}`)
        .replace(/"port": 6222/u, `"port": ${p.cluster}`)
        .replace(/"http_port": 8222/u, `"http_port": ${p.http}`)
        .replaceAll(/tls:\/\/wt-nats-(\d)\.[a-z.-]+:6222/gu, (_, i: string) => `tls://127.0.0.1:${ports[Number(i)]!.cluster}`)
      expect(conf).toContain("include ../nats-auth/authorization.conf;")
      expect(conf).not.toMatch(/"\/etc\/|svc\.cluster\.local|: 4222|: 6222/u)
      const confFile = join(pod, "etc/nats-config/nats.conf")
      mkdirSync(dirname(confFile), { recursive: true })
      writeFileSync(confFile, conf)
      const checked = spawnSync(binary!, ["-t", "-c", confFile], { encoding: "utf8" })
      expect(checked.status, `${checked.stderr}\n${conf}`).toBe(0)
      children.push(spawn(binary!, ["-c", confFile], { stdio: "ignore" }))
    }
    // The chart's readiness probe path first, then provisioning (the Job retries until it works).
    await Promise.all(ports.map(async (p, i) => {
      const deadline = Date.now() + 60_000
      while (!(await fetch(`http://127.0.0.1:${p.http}/healthz`).then((r) => r.ok, () => false))) {
        if (children[i]!.exitCode !== null || Date.now() > deadline) throw new Error(`node ${i} not healthy`)
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
    }))
    const rendered = manifests()
    const job = rendered.find((m) => m.kind === "Job")
    const provisioned = spawnSync(process.execPath, ["deploy/nats/provision.ts"], {
      cwd: root,
      encoding: "utf8",
      env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", ...podEnv(job, natsUrl) },
      timeout: 90_000
    })
    expect(provisioned.status, `${provisioned.stdout}\n${provisioned.stderr}`).toBe(0)

    const gatewayPod = rendered.find((m) => m.kind === "Deployment" && m.metadata.labels["app.kubernetes.io/component"] === "gateway")
    await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const settings = yield* natsSettingsFromEnv.parse(ConfigProvider.fromEnv({ env: podEnv(gatewayPod, natsUrl) }))
      expect(settings.auth).toEqual({ _tag: "NkeyFile", file: join(secretDir("wt-nats-users"), "gateway.nk") })
      const gateway = yield* makeNats({ url: natsUrl, name: "helm-gateway", auth: settings.auth, tls: settings.tls, inboxPrefix: settings.inboxPrefix })
      const ack = yield* Effect.orDie(publishRaw(Subjects.device("helm-check", "alarm", "safety_alarm", "unit-1"), new TextEncoder().encode("{}"), {}).pipe(Effect.provideService(Nats, gateway)))
      expect(ack.stream).toBe(Streams.device)
      const info = yield* Effect.orDie(gateway.streamInfo(Streams.device))
      expect(info.config.num_replicas).toBe(3)
      expect(info.cluster?.replicas ?? []).toHaveLength(2)
      const refused = yield* Effect.flip(Effect.mapError(gateway.deleteStream(Streams.device), (error) => error.message))
      expect(refused).toMatch(/permissions violation/iu)
    })))
  }, 150_000)
})
