import { readFileSync } from "node:fs"
import { join, posix } from "node:path"
import { fileURLToPath } from "node:url"
import { parse } from "yaml"

export const root = fileURLToPath(new URL("../../", import.meta.url))
export const deploy = join(root, "deploy")
export const read = (path: string) => readFileSync(join(root, path), "utf8")

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
export const exampleEnv = (overrides: Record<string, string> = {}): Record<string, string> => {
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

export const composeText = read("deploy/compose.yaml")

/** deploy/compose.yaml as Compose reads it: interpolated, YAML merge keys applied. */
export const compose = (env = exampleEnv()) => parse(interpolate(composeText, env), { merge: true }) as any

/**
 * The files a service is given through Compose's `secrets:` (bind-mounted read-only where it
 * runs): the path inside the container → the file on the host, relative to deploy/ (or `env:NAME`
 * for a secret taken from the environment). Short syntax
 * and a relative target land in /run/secrets/, an absolute target where it says.
 */
export const secretMounts = (file: any, service: string): Map<string, string> => {
  const mounts = new Map<string, string>()
  for (const entry of (file.services[service].secrets ?? []) as Array<string | { source: string; target?: string }>) {
    const source = typeof entry === "string" ? entry : entry.source
    const target = typeof entry === "string" || entry.target === undefined ? source : entry.target
    const defined = file.secrets[source] as { file?: string; environment?: string } | undefined
    const from = defined?.file ?? (defined?.environment === undefined ? undefined : `env:${defined.environment}`)
    if (from === undefined) throw new Error(`${service}: secret ${source} is not defined`)
    mounts.set(posix.isAbsolute(target) ? target : `/run/secrets/${target}`, from)
  }
  return mounts
}

/** The folder deploy/nats/secrets.ts writes for compose, as the secrets' files name it. */
export const natsSecretsDir = "./nats-secrets"

/** The NATS user whose seed a service is given: the users/<user>.nk files among its secrets. */
export const seedUsersOf = (file: any, service: string): Array<string> =>
  [...secretMounts(file, service).values()].flatMap((source) => {
    const match = /^\.\/nats-secrets\/users\/([a-z-]+)\.nk$/u.exec(source)
    return match === null ? [] : [match[1]!]
  })
