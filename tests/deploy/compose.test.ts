import { spawnSync } from "node:child_process"
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, posix } from "node:path"
import { Ajv } from "ajv"
import { validate as validateDockerfile } from "dockerfile-utils"
import { describe, expect, it } from "vitest"
import { defaultPorts, natsUserOf, portVariable, ServiceNames } from "@wt/launcher"
import { inboxPrefixOf, NatsUsers } from "@wt/nats"
import { nodeFlagsOf, processEnv } from "../../packages/launcher/src/services.ts"
import { compose, composeText, deploy, exampleEnv, read, root, secretMounts, seedUsersOf } from "./compose-file.ts"

describe("deploy/compose.yaml", () => {
  it("is a valid Compose file: the Compose Specification's JSON Schema accepts it, interpolated with the example environment", () => {
    const ajv = new Ajv({ allErrors: true, strict: false })
    // Its "$schema" names draft-07 by an address Ajv does not know by that spelling; draft-07 is Ajv's own.
    const { $schema: _, ...schema } = JSON.parse(read("deploy/schemas/compose-spec.json")) as Record<string, unknown>
    const check = ajv.compile(schema)
    const file = compose()
    const ok = check(file)
    expect(ok ? [] : check.errors!.map((e) => `${e.instancePath} ${e.message}`)).toEqual([])
    // The schema is not a rubber stamp: a misspelt key is refused.
    expect(check({ services: { gateway: { image: "wt", helthcheck: {} } } })).toBe(false)
  })

  it("refuses to start without its secrets: each is required, none has a default", () => {
    for (const secret of ["POSTGRES_PASSWORD", "WT_METRICS_TOKEN", "WT_AUDIT_FIELD_KEY", "WT_INSTALLATION_KEY"]) {
      const env = exampleEnv()
      delete env[secret]
      expect(() => compose(env), secret).toThrow(secret)
    }
    // No password is written into the file itself: every one comes from the environment.
    expect(composeText).not.toMatch(/^\s*[A-Z_]*PASSWORD[A-Z_]*: *"?[^$\s{"]/mu)
  })

  it("runs three NATS nodes with the cluster configuration of deploy/nats/cluster, each on its own volume, with a health check", () => {
    const { services, volumes } = compose()
    for (const n of [1, 2, 3]) {
      const node = services[`nats-${n}`]
      expect(node.command).toEqual(["-c", "/etc/nats/nats.conf"])
      expect(node.volumes).toEqual([`./nats/cluster/nats-${n}.conf:/etc/nats/nats.conf:ro`, `nats-${n}-data:/data/nats`])
      expect(existsSync(join(deploy, `nats/cluster/nats-${n}.conf`))).toBe(true)
      // The store directory the configuration names is the volume's mount point.
      expect(read(`deploy/nats/cluster/nats-${n}.conf`)).toContain("store_dir: \"/data/nats\"")
      expect(node.healthcheck.test.join(" ")).toContain("/healthz")
      expect(volumes).toHaveProperty(`nats-${n}-data`)
      // authorization.conf is written again from this version's permissions before a node starts.
      expect(node.depends_on).toEqual({ "nats-secrets": { condition: "service_completed_successfully" } })
    }
  })

  it("each node is given exactly the secret files its configuration reads, TLS on for clients and routes; no user's key, not the CA's key", () => {
    const file = compose()
    for (const n of [1, 2, 3]) {
      const conf = read(`deploy/nats/cluster/nats-${n}.conf`)
      // What nats-server opens: the include relative to the configuration's folder (/etc/nats), the TLS files as written.
      const include = /^include "([^"]+)"$/mu.exec(conf)![1]!
      const tlsFiles = [...conf.matchAll(/^\s*(?:cert_file|key_file|ca_file): "([^"]+)"$/gmu)].map((m) => m[1]!)
      // Both tls blocks (clients and routes), each with certificate, key and CA; routes verify both ends.
      expect(tlsFiles).toHaveLength(6)
      expect(conf).toMatch(/cluster \{[\s\S]*tls \{[\s\S]*verify: true/u)
      const needed = new Set([posix.join("/etc/nats", include), ...tlsFiles])
      const mounts = secretMounts(file, `nats-${n}`)
      expect(new Set(mounts.keys())).toEqual(needed)
      expect(Object.fromEntries(mounts)).toEqual({
        "/etc/nats/secrets/authorization.conf": "./nats-secrets/authorization.conf",
        "/etc/nats/secrets/tls/ca.pem": "./nats-secrets/tls/ca.pem",
        [`/etc/nats/secrets/tls/nats-${n}.pem`]: `./nats-secrets/tls/nats-${n}.pem`,
        [`/etc/nats/secrets/tls/nats-${n}-key.pem`]: `./nats-secrets/tls/nats-${n}-key.pem`
      })
      expect(seedUsersOf(file, `nats-${n}`)).toEqual([])
    }
  })

  it("runs every service process of the launcher at its port, with a health check on /readyz, after NATS, provisioning and PostgreSQL", () => {
    const { services } = compose()
    for (const name of ServiceNames) {
      const service = services[name]
      expect(service, name).toBeDefined()
      expect(service.command).toEqual([name])
      const port = defaultPorts[name]
      expect(service.environment[portVariable[name] ?? ""] ?? service.environment["WT_TRIAGE_PORT"]).toBe(String(port))
      expect(service.healthcheck.test.join(" ")).toContain(`http://127.0.0.1:${port}/readyz`)
      expect(service.depends_on).toEqual({
        "nats-1": { condition: "service_healthy" },
        "nats-2": { condition: "service_healthy" },
        "nats-3": { condition: "service_healthy" },
        provision: { condition: "service_completed_successfully" },
        postgres: { condition: "service_healthy" }
      })
      expect(service.environment).toMatchObject({
        NATS_URL: "nats://nats-1:4222,nats://nats-2:4222,nats://nats-3:4222",
        NATS_STREAM_REPLICAS: "3",
        WT_BIND_HOST: "0.0.0.0",
        WT_METRICS_TOKEN: "test-wt_metrics_token"
      })
      expect(service.environment.DATABASE_URL).toMatch(/^postgres:\/\/wt:test-postgres_password@postgres:5432\/wt$/u)
    }
    expect(services.audit.volumes).toEqual(["audit-data:/data"])
    expect(services.gateway.build).toEqual({ context: "..", dockerfile: "deploy/Dockerfile" })
  })

  it("every service connects as its own NATS user of users.ts, with that user's key where NATS_NKEY_FILE points and the CA where NATS_CA points", () => {
    const file = compose()
    for (const name of ServiceNames) {
      const { environment } = file.services[name]
      const user = natsUserOf[name]
      expect(NatsUsers).toContain(user)
      const mounts = secretMounts(file, name)
      // Its own key, and no other: the only users/*.nk among its secrets.
      expect(seedUsersOf(file, name), name).toEqual([user])
      expect(mounts.get(environment.NATS_NKEY_FILE), name).toBe(`./nats-secrets/users/${user}.nk`)
      expect(environment.NATS_INBOX_PREFIX).toBe(inboxPrefixOf(user))
      expect(mounts.get(environment.NATS_CA), name).toBe("./nats-secrets/tls/ca.pem")
      // No other way of saying who it is can take precedence (credentials.ts: NATS_CREDS wins over the key file).
      for (const other of ["NATS_CREDS", "NATS_NKEY_SEED", "NATS_USER", "NATS_PASSWORD"]) expect(environment, `${name}: ${other}`).not.toHaveProperty(other)
    }
  })

  it("only the provision job holds the provision user's key: it runs deploy/nats/provision.ts after the nodes are healthy, before every service", () => {
    const file = compose()
    const holders = Object.keys(file.services).filter((name) => seedUsersOf(file, name).includes("provision"))
    expect(holders).toEqual(["provision"])
    const provision = file.services.provision
    expect(provision.command).toEqual(["provision"])
    expect(provision.restart).toBe("no")
    expect(provision.depends_on).toEqual({
      "nats-1": { condition: "service_healthy" },
      "nats-2": { condition: "service_healthy" },
      "nats-3": { condition: "service_healthy" }
    })
    const mounts = secretMounts(file, "provision")
    expect(mounts.get(provision.environment.NATS_NKEY_FILE)).toBe("./nats-secrets/users/provision.nk")
    expect(mounts.get(provision.environment.NATS_CA)).toBe("./nats-secrets/tls/ca.pem")
    expect(provision.environment).toMatchObject({ NATS_INBOX_PREFIX: "_INBOX.provision", NATS_STREAM_REPLICAS: "3", NATS_URL: file.services.gateway.environment.NATS_URL })
    // Every service, in any profile, holds at most one key, of a user users.ts knows; the CLI as cli, the demo seed (PostgreSQL only) none.
    for (const name of Object.keys(file.services)) {
      const users = seedUsersOf(file, name)
      expect(users.length, name).toBeLessThanOrEqual(1)
      for (const user of users) expect(NatsUsers, name).toContain(user)
    }
    expect(seedUsersOf(file, "wt")).toEqual(["cli"])
    expect(seedUsersOf(file, "seed")).toEqual([])
    expect(file.services.seed.environment).not.toHaveProperty("NATS_CA")
  })

  it("the nats-secrets job writes deploy/nats-secrets/ (git-ignored) with the nodes' names, and hands it to the image's uid 1000", () => {
    const file = compose()
    const job = file.services["nats-secrets"]
    expect(job.command).toEqual(["nats-secrets", "--out", "/secrets", "--nodes", "nats-1,nats-2,nats-3", "--hosts", "127.0.0.1,localhost"])
    expect(job.volumes).toEqual(["./nats-secrets:/secrets"])
    expect(job.user).toBe("0:0")
    // The node names are the compose services' host names: the certificates name them, clients and routes verify them.
    for (const n of [1, 2, 3]) expect(file.services[`nats-${n}`].hostname).toBe(`nats-${n}`)
    // Every secret file compose mounts is under that folder (or comes from the environment), and git ignores the folder.
    for (const [name, secret] of Object.entries(file.secrets) as Array<[string, { file?: string; environment?: string }]>) {
      if (secret.environment !== undefined) continue
      expect(secret.file, name).toMatch(/^\.\/nats-secrets\//u)
      const ignored = spawnSync("git", ["check-ignore", "-q", join("deploy", secret.file!)], { cwd: root })
      expect(ignored.status, `${secret.file} must be git-ignored`).toBe(0)
    }
  })

  it("no placeholder is left: no LEAD: line, no NATS password, no unset NATS_CA in the compose files", () => {
    for (const path of ["deploy/compose.yaml", "deploy/compose.env.example"]) {
      expect(read(path), path).not.toMatch(/LEAD:|NATS_PASSWORD|NATS_CA=/u)
    }
    // Every NATS client in the file trusts the CA and names its inbox prefix.
    const file = compose()
    for (const [name, service] of Object.entries(file.services) as Array<[string, any]>) {
      if (service.environment?.NATS_URL === undefined || name === "seed") continue
      expect(service.environment.NATS_CA, name).toBe("/run/secrets/nats-ca")
      expect(service.environment.NATS_INBOX_PREFIX, name).toMatch(/^_INBOX\.[a-z]+$/u)
    }
  })

  it("the observability profile: one exporter per node as the NATS chart runs it, Prometheus with the rules and the token as a secret, Grafana provisioned", () => {
    const { services, secrets } = compose()
    for (const n of [1, 2, 3]) {
      expect(services[`nats-exporter-${n}`].command).toEqual(expect.arrayContaining(["-varz", "-jsz=all", "-healthz", "-prefix=nats", `http://nats-${n}:8222`]))
    }
    expect(services.prometheus.secrets).toEqual(["wt-metrics-token"])
    expect(secrets["wt-metrics-token"]).toEqual({ environment: "WT_METRICS_TOKEN" })
    expect(read("deploy/observability/prometheus.yml")).toContain("/run/secrets/wt-metrics-token")
    for (const mount of [...services.prometheus.volumes, ...services.grafana.volumes] as Array<string>) {
      const source = mount.split(":")[0]!
      if (source.startsWith("./")) expect(existsSync(join(deploy, source)), source).toBe(true)
    }
  })
})

describe("deploy/Dockerfile and its entrypoint", () => {
  it("passes the Dockerfile language service's checks (dockerfile-utils), on Node 24, exposing every service's port", () => {
    const text = read("deploy/Dockerfile")
    expect(validateDockerfile(text)).toEqual([])
    // The image makes the NATS certificates (nats-secrets) with openssl, and runs as node (uid 1000, the keys' owner).
    expect(text).toMatch(/apt-get install -y --no-install-recommends openssl/u)
    expect(text).toMatch(/^USER node$/mu)
    expect(validateDockerfile(text.replace("EXPOSE 8080", "EXPOSE eighty"))).not.toEqual([])
    expect(text).toMatch(/^FROM node:24-bookworm-slim AS build$/mu)
    expect(text).toContain("pnpm install --frozen-lockfile")
    expect(text).toContain("ENTRYPOINT [\"/app/deploy/entrypoint.sh\"]")
    const exposed = new Set([...text.matchAll(/^EXPOSE (.+)$/gmu)].flatMap((m) => m[1]!.split(" ")))
    for (const name of ServiceNames) expect(exposed.has(String(defaultPorts[name])), name).toBe(true)
  })

  it("the entrypoint starts each process as the launcher does: its bundle, its lanes, its heap cap", () => {
    // A stand-in `node` that prints what it was asked to run and with which environment.
    const bin = mkdtempSync(join(tmpdir(), "wt-entry-"))
    try {
      writeFileSync(join(bin, "node"), "#!/bin/sh\necho \"ARGS $*\"\nenv | grep -E '^(WT_|OTEL_)' | sort\n")
      chmodSync(join(bin, "node"), 0o755)
      const run = (what: string, env: Record<string, string> = {}) => {
        const result = spawnSync("sh", [join(deploy, "entrypoint.sh"), what], {
          // The image's working directory is /app; here the script is told where the repository is.
          env: { PATH: `${bin}:/usr/bin:/bin`, ...env },
          encoding: "utf8",
          cwd: root
        })
        return { status: result.status, out: result.stdout, err: result.stderr }
      }
      const script = read("deploy/entrypoint.sh")
      expect(script).toContain("cd /app")
      for (const name of ServiceNames) {
        const program = name === "triage-bulk" ? "triage" : name
        const result = spawnSync("sh", ["-c", script.replace("cd /app", `cd ${root}`), "entrypoint", name], {
          env: { PATH: `${bin}:/usr/bin:/bin` },
          encoding: "utf8"
        })
        expect(result.status, result.stderr).toBe(0)
        const lines = result.stdout.split("\n")
        const args = lines.find((l) => l.startsWith("ARGS "))!.slice(5).split(" ")
        expect(args.at(-1)).toBe(`services/${program}/dist/current/main.mjs`)
        expect(args.slice(1, -1)).toEqual(nodeFlagsOf(name, {}))
        // The lanes and switches the launcher gives this process (not its port: compose sets that).
        const launcherEnv = Object.entries(processEnv(name, defaultPorts[name])).filter(([k]) => !k.endsWith("_PORT"))
        for (const [key, value] of launcherEnv) expect(lines, `${name}: ${key}`).toContain(`${key}=${value}`)
        expect(lines).toContain(`OTEL_SERVICE_NAME=${name}`)
      }
      expect(run("nonsense").status).toBe(2)
    } finally {
      rmSync(bin, { recursive: true, force: true })
    }
  })

  it("the entrypoint runs provisioning (again while the cluster is not ready) and the secrets generation, handing the files to the image's user", () => {
    const bin = mkdtempSync(join(tmpdir(), "wt-entry-"))
    try {
      // A stand-in `node` that logs each run and fails its first N runs; a stand-in `chown` that logs.
      writeFileSync(join(bin, "node"), `#!/bin/sh\necho "node $*" >> "${bin}/log"\nn=$(wc -l < "${bin}/log")\n[ "$n" -gt "\${FAIL_RUNS:-0}" ]\n`)
      writeFileSync(join(bin, "chown"), `#!/bin/sh\necho "chown $*" >> "${bin}/log"\n`)
      writeFileSync(join(bin, "sleep"), "#!/bin/sh\n")
      writeFileSync(join(bin, "id"), "#!/bin/sh\necho \"${FAKE_UID:-0}\"\n")
      for (const tool of ["node", "chown", "sleep", "id"]) chmodSync(join(bin, tool), 0o755)
      const script = read("deploy/entrypoint.sh").replace("cd /app", `cd ${root}`)
      const run = (args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
        rmSync(join(bin, "log"), { force: true })
        const result = spawnSync("sh", ["-c", script, "entrypoint", ...args], { env: { PATH: `${bin}:/usr/bin:/bin`, ...env }, encoding: "utf8" })
        const log = existsSync(join(bin, "log")) ? readFileSync(join(bin, "log"), "utf8").trim().split("\n") : []
        return { status: result.status, log }
      }
      expect(run(["provision"])).toEqual({ status: 0, log: ["node deploy/nats/provision.ts"] })
      expect(run(["provision"], { FAIL_RUNS: "2" })).toEqual({ status: 0, log: Array(3).fill("node deploy/nats/provision.ts") })
      expect(run(["provision"], { FAIL_RUNS: "9", WT_PROVISION_TRIES: "4" })).toEqual({ status: 1, log: Array(4).fill("node deploy/nats/provision.ts") })
      const flags = ["--out", "/secrets", "--nodes", "nats-1,nats-2,nats-3", "--hosts", "127.0.0.1,localhost"]
      expect(run(["nats-secrets", ...flags])).toEqual({ status: 0, log: [`node deploy/nats/secrets.ts ${flags.join(" ")}`, "chown -R node:node /secrets"] })
      expect(run(["nats-secrets", "--out=/elsewhere"])).toEqual({ status: 0, log: ["node deploy/nats/secrets.ts --out=/elsewhere", "chown -R node:node /elsewhere"] })
      // Not root (the node user itself, or Kubernetes): the files are already its own.
      expect(run(["nats-secrets", ...flags], { FAKE_UID: "1000" })).toEqual({ status: 0, log: [`node deploy/nats/secrets.ts ${flags.join(" ")}`] })
      // A failed generation fails the job, and nothing is handed over.
      expect(run(["nats-secrets", ...flags], { FAIL_RUNS: "1" })).toEqual({ status: 1, log: [`node deploy/nats/secrets.ts ${flags.join(" ")}`] })
    } finally {
      rmSync(bin, { recursive: true, force: true })
    }
  })
})
