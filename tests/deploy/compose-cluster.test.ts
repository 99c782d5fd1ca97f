import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { X509Certificate } from "node:crypto"
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { ConfigProvider, Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Streams, Subjects } from "@wt/contracts"
import { findNatsServer, freePort, makeNats, Nats, natsSettingsFromEnv, NoAuth, publishRaw } from "@wt/nats"
import { compose, root, secretMounts } from "./compose-file.ts"

/**
 * deploy/compose.yaml on a real nats-server, without Docker: what the nats-secrets job runs
 * (deploy/nats/secrets.ts with its flags) makes the secrets in a temporary folder standing for
 * deploy/nats-secrets/; each node gets the committed deploy/nats/cluster/nats-<n>.conf and exactly
 * the files compose mounts for it, at the paths it mounts them (under a folder standing for the
 * container's root; only ports, host names and those roots are rewritten for loopback); the
 * provision job's command runs with the provision job's environment; the gateway connects with
 * the gateway's environment. packages/nats/src/cluster-config.test.ts shows the same cluster
 * made by the library functions; this one checks the deployment's wiring of them.
 */

const file = compose()
const scratch = mkdtempSync(join(tmpdir(), "wt-compose-cluster-"))
const children: Array<ChildProcess> = []
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL")
  rmSync(scratch, { recursive: true, force: true })
})

/** A compose file's path (relative to deploy/) as it is in this test: scratch stands for deploy/. */
const hostFile = (source: string) => join(scratch, source)

/** A container's environment with its secrets' container paths replaced by the host files compose mounts there. */
const hostEnv = (service: string, natsUrl: string): Record<string, string> => {
  const mounts = secretMounts(file, service)
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(file.services[service].environment as Record<string, string>)) {
    const source = mounts.get(value)
    env[key] = source === undefined ? value : hostFile(source)
  }
  return { ...env, NATS_URL: natsUrl }
}

const run = <A, E>(effect: Effect.Effect<A, E, never>) => Effect.runPromise(effect)

const waitHealthy = async (url: string, child: ChildProcess) => {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nats-server exited ${child.exitCode}`)
    const ok = await fetch(url).then((r) => r.ok, () => false)
    if (ok) return
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`${url} never healthy`)
}

describe("deploy/compose.yaml's NATS cluster, started from what its jobs generate", () => {
  // The nats-secrets job's command (entrypoint.sh nats-secrets runs deploy/nats/secrets.ts with
  // these flags), its output folder, bind-mounted at /secrets, standing at scratch/nats-secrets.
  beforeAll(() => {
    const job = file.services["nats-secrets"]
    expect(job.command[0]).toBe("nats-secrets")
    const flags = (job.command as Array<string>).slice(1)
    const out = flags.indexOf("--out")
    expect(flags[out + 1]).toBe("/secrets")
    expect(job.volumes).toEqual(["./nats-secrets:/secrets"])
    const args = flags.map((flag, i) => (i === out + 1 ? hostFile("nats-secrets") : flag))
    const generated = spawnSync(process.execPath, ["deploy/nats/secrets.ts", ...args], { cwd: root, encoding: "utf8" })
    expect(generated.status, generated.stderr).toBe(0)
  })

  it("the secrets job's output: a key per user only its owner may read, certificates naming each node, signed by the CA", () => {
    // Every secret compose mounts anywhere exists now.
    for (const [name, secret] of Object.entries(file.secrets) as Array<[string, { file?: string }]>) {
      if (secret.file !== undefined) expect(statSync(hostFile(secret.file)).isFile(), name).toBe(true)
    }
    expect(statSync(hostFile("nats-secrets")).mode & 0o777).toBe(0o700)
    expect(statSync(hostFile("nats-secrets/users")).mode & 0o777).toBe(0o700)
    for (const user of ["provision", "gateway", "audit"]) expect(statSync(hostFile(`nats-secrets/users/${user}.nk`)).mode & 0o777).toBe(0o600)
    expect(statSync(hostFile("nats-secrets/tls/ca-key.pem")).mode & 0o777).toBe(0o600)
    const ca = new X509Certificate(readFileSync(hostFile("nats-secrets/tls/ca.pem")))
    for (const n of [1, 2, 3]) {
      const cert = new X509Certificate(readFileSync(hostFile(`nats-secrets/tls/nats-${n}.pem`)))
      expect(cert.verify(ca.publicKey), `nats-${n} signed by the CA`).toBe(true)
      // The name clients (NATS_URL) and the other nodes' routes use for it: its compose host name.
      expect(cert.checkHost(file.services[`nats-${n}`].hostname)).toBe(`nats-${n}`)
      expect(cert.checkHost(`nats-${n === 3 ? 1 : n + 1}`)).toBeUndefined()
      expect(statSync(hostFile(`nats-secrets/tls/nats-${n}-key.pem`)).mode & 0o777).toBe(0o600)
    }
  })

  it("three nodes form the cluster over TLS; provisioning as the provision job makes R3 streams; the gateway's key and CA publish a device event and are refused the rest", async () => {
    const binary = findNatsServer()
    expect(binary, "nats-server must be installed to run the deploy tests").toBeDefined()
    const ports = await run(Effect.forEach([1, 2, 3], () => Effect.all({ client: freePort, cluster: freePort, http: freePort })))
    const natsUrl = ports.map((p) => `nats://127.0.0.1:${p.client}`).join(",")
    for (const n of [1, 2, 3]) {
      const node = file.services[`nats-${n}`]
      // The container: its root stands at scratch/nats-<n>; the configuration where compose mounts it.
      const container = join(scratch, `nats-${n}`)
      const [confSource, confTarget] = (node.volumes[0] as string).split(":") as [string, string]
      expect(node.command).toEqual(["-c", confTarget])
      for (const [target, source] of secretMounts(file, `nats-${n}`)) {
        mkdirSync(dirname(join(container, target)), { recursive: true })
        copyFileSync(hostFile(source), join(container, target))
      }
      const p = ports[n - 1]!
      const conf = readFileSync(join(root, "deploy", confSource), "utf8")
        .replaceAll(/"\/(etc|data)\//gu, `"${container}/$1/`)
        .replace("listen: 0.0.0.0:4222", `listen: 127.0.0.1:${p.client}`)
        .replace("http: 0.0.0.0:8222", `http: 127.0.0.1:${p.http}`)
        .replace("listen: 0.0.0.0:6222", `listen: 127.0.0.1:${p.cluster}`)
        .replaceAll(/nats-route:\/\/nats-(\d):6222/gu, (_, i: string) => `nats-route://127.0.0.1:${ports[Number(i) - 1]!.cluster}`)
      // Nothing of the container's world is left but what the mounts provide.
      expect(conf).not.toMatch(/0\.0\.0\.0|nats-route:\/\/nats-|"\/etc\/|"\/data\//u)
      mkdirSync(dirname(join(container, confTarget)), { recursive: true })
      writeFileSync(join(container, confTarget), conf)
      const child = spawn(binary!, ["-c", join(container, confTarget)], { stdio: "ignore" })
      children.push(child)
    }
    // The compose health check's URL, on each node's monitoring port: what provisioning waits for.
    const health = (file.services["nats-1"].healthcheck.test as Array<string>).find((arg) => arg.startsWith("http://"))!
    await Promise.all(ports.map((p, i) => waitHealthy(health.replace(":8222", `:${p.http}`), children[i]!)))

    const provisionEnv = hostEnv("provision", natsUrl)
    const provisioned = spawnSync(process.execPath, ["deploy/nats/provision.ts"], {
      cwd: root,
      encoding: "utf8",
      env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", ...provisionEnv },
      timeout: 90_000
    })
    expect(provisioned.status, `${provisioned.stdout}\n${provisioned.stderr}`).toBe(0)

    await run(Effect.scoped(Effect.gen(function*() {
      const settings = yield* natsSettingsFromEnv.parse(ConfigProvider.fromEnv({ env: hostEnv("gateway", natsUrl) }))
      expect(settings.auth).toEqual({ _tag: "NkeyFile", file: hostFile("./nats-secrets/users/gateway.nk") })
      expect(settings.tls).toEqual({ caFile: hostFile("./nats-secrets/tls/ca.pem") })
      const gateway = yield* makeNats({ url: natsUrl, name: "deploy-gateway", auth: settings.auth, tls: settings.tls, inboxPrefix: settings.inboxPrefix })
      const ack = yield* Effect.orDie(publishRaw(Subjects.device("deploy-check", "alarm", "safety_alarm", "unit-1"), new TextEncoder().encode("{}"), {}).pipe(Effect.provideService(Nats, gateway)))
      expect(ack.stream).toBe(Streams.device)
      const info = yield* Effect.orDie(gateway.streamInfo(Streams.device))
      expect(info.config.num_replicas).toBe(3)
      expect(info.cluster?.replicas ?? []).toHaveLength(2)
      // Not its to do: delete a stream, publish an incident.
      const refused = yield* Effect.flip(Effect.mapError(gateway.deleteStream(Streams.device), (error) => error.message))
      expect(refused).toMatch(/permissions violation/iu)
      const incident = yield* Effect.flip(
        publishRaw(Subjects.incident("deploy-check", "i-1"), new TextEncoder().encode("{}"), { timeoutMs: 2_000 }).pipe(Effect.provideService(Nats, gateway), Effect.mapError((error) => error.message))
      )
      expect(incident).toMatch(/permissions violation/iu)
      // Without a key, or without the CA, no connection at all.
      const noKey = yield* Effect.flip(makeNats({ url: natsUrl, name: "deploy-nobody", connectTimeoutMs: 1_000, auth: NoAuth, tls: settings.tls, inboxPrefix: undefined }))
      expect(noKey.message).toMatch(/authorization/iu)
      const noCa = yield* Effect.flip(makeNats({ url: natsUrl, name: "deploy-untrusting", connectTimeoutMs: 1_000, auth: settings.auth, tls: undefined, inboxPrefix: settings.inboxPrefix }))
      expect(noCa.message).toMatch(/certificate|self.signed|tls/iu)
    })))
  }, 150_000)
})
