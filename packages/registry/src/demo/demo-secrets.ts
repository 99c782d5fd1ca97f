import { Config, Effect, Option, Redacted, Schema } from "effect"
import { randomBytes } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { join } from "node:path"

export interface DemoSecrets {
  readonly ingestKey: Redacted.Redacted<string>
  readonly password: Redacted.Redacted<string>
}

export class DemoSecretsError extends Schema.TaggedError<DemoSecretsError>()("DemoSecretsError", {
  message: Schema.String,
  cause: Schema.optional(Schema.Defect())
}) {}

/** The demo's responder phones: device name (`member:<id>`, `contact:<resident>:<n>`) to its token. */
export type DemoResponderTokens = Readonly<Record<string, string>>

const StoredSecrets = Schema.Struct({
  ingestKey: Schema.String,
  password: Schema.String,
  responderDevices: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
  /** What the demo's DC-09 units' AES keys are derived from (see `demoDc09Key`). */
  dc09KeySecret: Schema.optionalKey(Schema.String),
  /** Each shipped vendor mapping's webhook secret, for the demo's simulated vendor platforms. */
  webhookSecrets: Schema.optionalKey(Schema.Record(Schema.String, Schema.String))
})
const decodeStored = Schema.decodeUnknownOption(Schema.fromJsonString(StoredSecrets))

const generate = () => ({
  ingestKey: `wt_demo_${randomBytes(24).toString("base64url")}`,
  password: randomBytes(12).toString("base64url")
})

const readStored = (file: string) => {
  try {
    return decodeStored(readFileSync(file, "utf8"))
  } catch {
    return Option.none()
  }
}

/**
 * The demo ingest key and demo users' password: `WT_DEMO_INGEST_KEY` /
 * `WT_DEMO_PASSWORD` when set, otherwise generated on first use and kept in
 * `${dataDir}/demo-secrets.json` (mode 0600), so a restart prints the same ones.
 */
export const demoSecrets = Effect.fn("Registry.demoSecrets")(function*(options: { readonly dataDir: string }) {
  const fromEnv = yield* Config.all({
    ingestKey: Config.option(Config.Redacted("WT_DEMO_INGEST_KEY")),
    password: Config.option(Config.Redacted("WT_DEMO_PASSWORD"))
  })
  const set = (o: Option.Option<Redacted.Redacted<string>>) => Option.filter(o, (v) => Redacted.value(v) !== "")
  const envKey = set(fromEnv.ingestKey)
  const envPassword = set(fromEnv.password)
  if (Option.isSome(envKey) && Option.isSome(envPassword)) {
    return { ingestKey: envKey.value, password: envPassword.value } satisfies DemoSecrets
  }
  const file = join(options.dataDir, "demo-secrets.json")
  const stored = yield* Effect.try({
    try: () => {
      const existing = readStored(file)
      if (Option.isSome(existing)) return existing.value
      mkdirSync(options.dataDir, { recursive: true })
      const fresh = generate()
      try {
        // `wx`: when two processes start together, the first file wins and both use it.
        writeFileSync(file, JSON.stringify(fresh, null, 2) + "\n", { mode: 0o600, flag: "wx" })
        return fresh
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
        return Option.getOrThrowWith(readStored(file), () => new Error(`${file} is not valid demo secrets JSON`))
      }
    },
    catch: (cause) => new DemoSecretsError({ message: `cannot read or create ${file}`, cause })
  })
  return {
    ingestKey: Option.getOrElse(envKey, () => Redacted.make(stored.ingestKey)),
    password: Option.getOrElse(envPassword, () => Redacted.make(stored.password))
  } satisfies DemoSecrets
})

/**
 * The demo's responder device tokens kept in `${dataDir}/demo-secrets.json` beside the ingest
 * key and password: none until a start with simulated responders issued them.
 */
export const demoResponderTokens = Effect.fn("Registry.demoResponderTokens")(function*(options: { readonly dataDir: string }) {
  const file = join(options.dataDir, "demo-secrets.json")
  return yield* Effect.try({
    try: () => {
      const stored = readStored(file)
      if (Option.isNone(stored) && existsSync(file)) throw new Error(`${file} is not valid demo secrets JSON`)
      return Redacted.make<DemoResponderTokens>(Option.match(stored, { onNone: () => ({}), onSome: (s) => s.responderDevices ?? {} }))
    },
    catch: (cause) => new DemoSecretsError({ message: `cannot read ${file}`, cause })
  })
})

/**
 * Keeps the demo's responder device tokens in `${dataDir}/demo-secrets.json` (mode 0600), so the
 * simulated responders and a restart find them. Written whole to a new file and renamed over the
 * old one, so a crash never leaves half a file.
 */
export const saveDemoResponderTokens = Effect.fn("Registry.saveDemoResponderTokens")(function*(options: {
  readonly dataDir: string
  readonly tokens: Redacted.Redacted<DemoResponderTokens>
}) {
  const file = join(options.dataDir, "demo-secrets.json")
  yield* Effect.try({
    try: () => {
      const stored = readStored(file)
      if (Option.isNone(stored) && existsSync(file)) throw new Error(`${file} is not valid demo secrets JSON`)
      const tokens = Redacted.value(options.tokens)
      const base: typeof StoredSecrets.Type = Option.getOrElse(stored, generate)
      if (JSON.stringify(base.responderDevices ?? {}) === JSON.stringify(tokens)) return
      mkdirSync(options.dataDir, { recursive: true })
      const next = `${file}.${process.pid}.tmp`
      writeFileSync(next, JSON.stringify({ ...base, responderDevices: tokens }, null, 2) + "\n", { mode: 0o600 })
      renameSync(next, file)
    },
    catch: (cause) => new DemoSecretsError({ message: `cannot write ${file}`, cause })
  })
})

/** Reads the stored demo secrets, adds what `add` returns when `has` says it is missing, and keeps the file whole. */
const storedOrAdded = <A>(
  dataDir: string,
  has: (stored: typeof StoredSecrets.Type) => A | undefined,
  add: (stored: typeof StoredSecrets.Type) => Partial<typeof StoredSecrets.Type>
): A => {
  const file = join(dataDir, "demo-secrets.json")
  const stored = readStored(file)
  if (Option.isNone(stored) && existsSync(file)) throw new Error(`${file} is not valid demo secrets JSON`)
  const base: typeof StoredSecrets.Type = Option.getOrElse(stored, generate)
  const present = has(base)
  if (present !== undefined && Option.isSome(stored)) return present
  const next = { ...base, ...(present === undefined ? add(base) : {}) }
  mkdirSync(dataDir, { recursive: true })
  const temporary = `${file}.${process.pid}.tmp`
  writeFileSync(temporary, JSON.stringify(next, null, 2) + "\n", { mode: 0o600 })
  renameSync(temporary, file)
  return has(next)!
}

/**
 * The secret the demo's DC-09 AES keys are derived from (`demoDc09Key`), kept in
 * `${dataDir}/demo-secrets.json` beside the other demo secrets: generated on first use, so the
 * seeded registry and the device simulator agree on every encrypting unit's key. Demo only.
 */
export const demoDc09KeySecret = Effect.fn("Registry.demoDc09KeySecret")(function*(options: { readonly dataDir: string }) {
  return yield* Effect.try({
    try: () => Redacted.make(storedOrAdded(options.dataDir, (s) => s.dc09KeySecret, () => ({ dc09KeySecret: randomBytes(32).toString("base64url") }))),
    catch: (cause) => new DemoSecretsError({ message: `cannot read or write ${join(options.dataDir, "demo-secrets.json")}`, cause })
  })
})

/**
 * The HMAC secret each shipped vendor mapping's webhooks are signed with in the demo (the demo's
 * simulated vendor platforms sign with it; the gateway reads it as `WT_WEBHOOK_SECRET_<VENDOR>`),
 * generated on first use into `${dataDir}/demo-secrets.json`. Demo only: a real vendor's secret is
 * the one the vendor issues.
 */
export const demoWebhookSecrets = Effect.fn("Registry.demoWebhookSecrets")(function*(options: { readonly dataDir: string; readonly vendors: ReadonlyArray<string> }) {
  return yield* Effect.try({
    try: () =>
      storedOrAdded(
        options.dataDir,
        (s) => (options.vendors.every((v) => s.webhookSecrets?.[v] !== undefined) ? s.webhookSecrets! : undefined),
        (s) => ({
          webhookSecrets: Object.fromEntries(options.vendors.map((v) => [v, s.webhookSecrets?.[v] ?? randomBytes(24).toString("base64url")]))
        })
      ) as Readonly<Record<string, string>>,
    catch: (cause) => new DemoSecretsError({ message: `cannot read or write ${join(options.dataDir, "demo-secrets.json")}`, cause })
  })
})
