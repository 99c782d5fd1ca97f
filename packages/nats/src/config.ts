import { Config, Context, Duration, Layer, Option, Schema } from "effect"
import { type NatsAuth, natsAuthFromEnv, type NatsTls, natsTlsFromEnv, NoAuth } from "./credentials.ts"

/** Where to connect and how the streams are sized. Ages are milliseconds; 0 keeps messages forever. */
export interface NatsSettings {
  /** One or more server URLs, comma-separated (`NATS_URL`). */
  readonly url: string
  /** Client name shown in the server's connection list (`WT_SERVICE`). */
  readonly name: string
  /** Replicas of every stream: 1 on one server, 3 on a cluster (`NATS_STREAM_REPLICAS`). */
  readonly replicas: number
  /** How long the first connection is retried before giving up (`NATS_CONNECT_TIMEOUT`). */
  readonly connectTimeoutMs: number
  readonly deviceMaxAgeMs: number
  readonly incidentMaxAgeMs: number
  readonly auditMaxAgeMs: number
  readonly deadLetterMaxAgeMs: number
  /** Who this client is (`NATS_CREDS`, `NATS_NKEY_FILE`, `NATS_NKEY_SEED`, `NATS_USER`/`NATS_PASSWORD`); default none. */
  readonly auth: NatsAuth
  /** The CA to trust and an optional client certificate (`NATS_CA`, `NATS_TLS_CERT`, `NATS_TLS_KEY`); default none (TLS only if the server asks, against the system's CAs). */
  readonly tls: NatsTls | undefined
  /** Prefix of this client's reply inboxes, which its permissions must let it subscribe to (`NATS_INBOX_PREFIX`); default `_INBOX`. */
  readonly inboxPrefix: string | undefined
}

export const defaultNatsSettings: NatsSettings = {
  url: "nats://127.0.0.1:4222",
  name: "wt",
  replicas: 1,
  connectTimeoutMs: 15_000,
  deviceMaxAgeMs: Duration.toMillis(Duration.days(7)),
  // Incidents and the audit trail are the record a supervisor reconstructs from: kept until an operator decides otherwise.
  incidentMaxAgeMs: 0,
  auditMaxAgeMs: 0,
  deadLetterMaxAgeMs: Duration.toMillis(Duration.days(30)),
  auth: NoAuth,
  tls: undefined,
  inboxPrefix: undefined
}

// "unlimited" or "0" keep forever; anything else is a duration such as "7 days".
const MaxAge = Schema.Union([Schema.Literals(["0", "unlimited", "forever"]), Schema.DurationFromString])

const maxAge = (name: string, fallbackMs: number) =>
  Config.schema(MaxAge, name).pipe(
    Config.map((value) => (typeof value === "string" ? 0 : Duration.toMillis(value))),
    Config.withDefault(fallbackMs)
  )

/** `NATS_INBOX_PREFIX`: a subject without wildcards; unset or empty, the client's default. */
export const natsInboxPrefixFromEnv: Config.Config<string | undefined> = Config.option(Config.String("NATS_INBOX_PREFIX")).pipe(
  Config.map(Option.filter((prefix) => prefix.trim() !== "")),
  Config.map(Option.getOrUndefined)
)

/** The credentials, CA and inbox prefix of a client, from `NATS_*` variables (see docs/nats-security.md). */
export const natsAccessFromEnv = Config.all({ auth: natsAuthFromEnv, tls: natsTlsFromEnv, inboxPrefix: natsInboxPrefixFromEnv })

const Replicas = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 5 }))

/** Reads the settings from the environment; every variable is optional. */
export const natsSettingsFromEnv = Config.all({
  url: Config.String("NATS_URL").pipe(Config.withDefault(defaultNatsSettings.url)),
  name: Config.String("WT_SERVICE").pipe(Config.withDefault(defaultNatsSettings.name)),
  replicas: Config.schema(Replicas, "NATS_STREAM_REPLICAS").pipe(Config.withDefault(defaultNatsSettings.replicas)),
  connectTimeoutMs: Config.Duration("NATS_CONNECT_TIMEOUT").pipe(
    Config.map(Duration.toMillis),
    Config.withDefault(defaultNatsSettings.connectTimeoutMs)
  ),
  deviceMaxAgeMs: maxAge("NATS_DEVICE_MAX_AGE", defaultNatsSettings.deviceMaxAgeMs),
  incidentMaxAgeMs: maxAge("NATS_INCIDENT_MAX_AGE", defaultNatsSettings.incidentMaxAgeMs),
  auditMaxAgeMs: maxAge("NATS_AUDIT_MAX_AGE", defaultNatsSettings.auditMaxAgeMs),
  deadLetterMaxAgeMs: maxAge("NATS_DLQ_MAX_AGE", defaultNatsSettings.deadLetterMaxAgeMs),
  auth: natsAuthFromEnv,
  tls: natsTlsFromEnv,
  inboxPrefix: natsInboxPrefixFromEnv
})

export class NatsConfig extends Context.Service<NatsConfig, NatsSettings>()("wt/NatsConfig") {
  /** Settings from the environment (`NATS_URL`, `NATS_STREAM_REPLICAS`, `NATS_*_MAX_AGE`, `WT_SERVICE`, the credentials and TLS variables). */
  static readonly layer = Layer.effect(NatsConfig, natsSettingsFromEnv)

  /** Fixed settings: the defaults with the given overrides, ignoring the environment. */
  static readonly layerWith = (overrides: Partial<NatsSettings>) =>
    Layer.succeed(NatsConfig, { ...defaultNatsSettings, ...overrides })
}
