import { spawnSync } from "node:child_process"
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Ajv } from "ajv"
import { validate as validateDockerfile } from "dockerfile-utils"
import { describe, expect, it } from "vitest"
import { parse } from "yaml"
import { defaultPorts, portVariable, ServiceNames } from "@wt/launcher"
import { nodeFlagsOf, processEnv } from "../../packages/launcher/src/services.ts"

const root = fileURLToPath(new URL("../../", import.meta.url))
const deploy = join(root, "deploy")
const read = (path: string) => readFileSync(join(root, path), "utf8")

/**
 * Compose's variable interpolation (the specification's "Interpolation"): `${VAR}`, `${VAR:-default}`,
 * `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`, `${VAR:+replacement}`, `${VAR+replacement}`, `$$`.
 */
export const interpolate = (text: string, env: Readonly<Record<string, string>>): string =>
  text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}/gu, (whole, name: string | undefined, op: string | undefined, arg: string | undefined) => {
    if (whole === "$$") return "$"
    const value = env[name!]
    const set = value !== undefined
    const nonEmpty = set && value !== ""
    switch (op) {
      case undefined:
        return value ?? ""
      case ":-":
        return nonEmpty ? value! : arg!
      case "-":
        return set ? value! : arg!
      case ":?":
        if (!nonEmpty) throw new Error(`${name}: ${arg}`)
        return value!
      case "?":
        if (!set) throw new Error(`${name}: ${arg}`)
        return value!
      case ":+":
        return nonEmpty ? arg! : ""
      default:
        return set ? arg! : ""
    }
  })

/** The example environment file with its secrets filled in, as an operator would. */
const exampleEnv = (overrides: Record<string, string> = {}): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const line of read("deploy/compose.env.example").split("\n")) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/u.exec(line)
    if (match !== null) env[match[1]!] = match[2]!
  }
  for (const secret of ["POSTGRES_PASSWORD", "WT_METRICS_TOKEN", "WT_AUDIT_FIELD_KEY", "WT_INSTALLATION_KEY", "GRAFANA_ADMIN_PASSWORD", "WT_DEMO_INGEST_KEY", "WT_DEMO_PASSWORD"]) {
    env[secret] = `test-${secret.toLowerCase()}`
  }
  return { ...env, ...overrides }
}

const composeText = read("deploy/compose.yaml")
const compose = (env = exampleEnv()) => parse(interpolate(composeText, env), { merge: true }) as any

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
      expect(node.command).toEqual(["-c", `/etc/nats/nats-${n}.conf`])
      expect(node.volumes).toEqual(["./nats/cluster:/etc/nats:ro", `nats-${n}-data:/data/nats`])
      expect(existsSync(join(deploy, `nats/cluster/nats-${n}.conf`))).toBe(true)
      // The store directory the configuration names is the volume's mount point.
      expect(read(`deploy/nats/cluster/nats-${n}.conf`)).toContain("/data/nats")
      expect(node.healthcheck.test.join(" ")).toContain("/healthz")
      expect(volumes).toHaveProperty(`nats-${n}-data`)
    }
  })

  it("runs every service process of the launcher at its port, with a health check on /readyz, after NATS and PostgreSQL are healthy", () => {
    const { services } = compose()
    for (const name of ServiceNames) {
      const service = services[name]
      expect(service, name).toBeDefined()
      expect(service.command).toEqual([name])
      const port = defaultPorts[name]
      expect(service.environment[portVariable[name] ?? ""] ?? service.environment["WT_TRIAGE_PORT"]).toBe(String(port))
      expect(service.healthcheck.test.join(" ")).toContain(`http://127.0.0.1:${port}/readyz`)
      expect(Object.keys(service.depends_on).sort()).toEqual(["nats-1", "nats-2", "nats-3", "postgres"])
      for (const dependency of Object.values(service.depends_on) as Array<{ condition: string }>) expect(dependency.condition).toBe("service_healthy")
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

  it("a service gets its NATS user only once its password is in the environment file", () => {
    expect(compose().services.gateway.environment).toMatchObject({ NATS_USER: "", NATS_PASSWORD: "" })
    const withUsers = compose(exampleEnv({ NATS_PASSWORD_GATEWAY: "gw-secret", NATS_PASSWORD_SUPERVISION: "sv-secret" })).services
    expect(withUsers.gateway.environment).toMatchObject({ NATS_USER: "gateway", NATS_PASSWORD: "gw-secret", NATS_INBOX_PREFIX: "_INBOX.gateway" })
    expect(withUsers.supervision.environment).toMatchObject({ NATS_USER: "supervision", NATS_INBOX_PREFIX: "_INBOX.supervision" })
    expect(withUsers.triage.environment).toMatchObject({ NATS_USER: "" })
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
        const program = name === "triage-bulk" || name === "supervision" ? "triage" : name
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
})
