import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Redacted } from "effect"
import { defaultNatsSettings, natsSettingsFromEnv } from "./config.ts"

const fromEnv = (env: Record<string, string>) =>
  natsSettingsFromEnv.parse(ConfigProvider.fromEnv({ env }))

describe("natsSettingsFromEnv", () => {
  it.effect("uses the defaults when nothing is set: 7 days of device events, incidents and audit kept forever", () =>
    Effect.gen(function*() {
      const settings = yield* fromEnv({})
      assert.deepStrictEqual(settings, defaultNatsSettings)
      assert.strictEqual(settings.url, "nats://127.0.0.1:4222")
      assert.strictEqual(settings.replicas, 1)
      assert.strictEqual(settings.deviceMaxAgeMs, 7 * 24 * 3600 * 1000)
      assert.strictEqual(settings.incidentMaxAgeMs, 0)
      assert.strictEqual(settings.auditMaxAgeMs, 0)
      assert.strictEqual(settings.deadLetterMaxAgeMs, 30 * 24 * 3600 * 1000)
    }))

  it.effect("reads every override", () =>
    Effect.gen(function*() {
      const settings = yield* fromEnv({
        NATS_URL: "nats://a:4222,nats://b:4222",
        WT_SERVICE: "triage",
        NATS_STREAM_REPLICAS: "3",
        NATS_CONNECT_TIMEOUT: "2 seconds",
        NATS_DEVICE_MAX_AGE: "3 days",
        NATS_INCIDENT_MAX_AGE: "3650 days",
        NATS_AUDIT_MAX_AGE: "unlimited",
        NATS_DLQ_MAX_AGE: "0",
        NATS_NKEY_FILE: "/run/secrets/triage.nk",
        NATS_CA: "/run/secrets/ca.pem",
        NATS_INBOX_PREFIX: "_INBOX.triage"
      })
      assert.deepStrictEqual(settings, {
        url: "nats://a:4222,nats://b:4222",
        name: "triage",
        replicas: 3,
        connectTimeoutMs: 2_000,
        deviceMaxAgeMs: 3 * 24 * 3600 * 1000,
        incidentMaxAgeMs: 3650 * 24 * 3600 * 1000,
        auditMaxAgeMs: 0,
        deadLetterMaxAgeMs: 0,
        auth: { _tag: "NkeyFile", file: "/run/secrets/triage.nk" },
        tls: { caFile: "/run/secrets/ca.pem" },
        inboxPrefix: "_INBOX.triage"
      })
    }))

  it.effect("reads credentials in order: a creds file, an nkey file, an nkey seed, then a user and password", () =>
    Effect.gen(function*() {
      const auth = (env: Record<string, string>) => Effect.map(fromEnv(env), (s) => s.auth)
      assert.deepStrictEqual(yield* auth({ NATS_CREDS: "/a.creds", NATS_NKEY_FILE: "/b.nk", NATS_USER: "u" }), { _tag: "CredsFile", file: "/a.creds" })
      assert.deepStrictEqual(yield* auth({ NATS_NKEY_FILE: "/b.nk", NATS_USER: "u" }), { _tag: "NkeyFile", file: "/b.nk" })
      const seeded = yield* auth({ NATS_NKEY_SEED: "SUSEED", NATS_USER: "u" })
      assert.strictEqual(seeded._tag === "NkeySeed" ? Redacted.value(seeded.seed) : undefined, "SUSEED")
      const password = yield* auth({ NATS_USER: "gateway", NATS_PASSWORD: "secret" })
      assert.deepStrictEqual(password._tag === "UserPassword" ? [password.user, Redacted.value(password.password)] : [], ["gateway", "secret"])
      // Blank variables (the launcher blanks those a service must not inherit) count as unset.
      assert.deepStrictEqual(yield* auth({ NATS_CREDS: "", NATS_NKEY_FILE: " ", NATS_USER: "" }), { _tag: "None" })
      // The secret never shows when the settings are logged.
      assert.notInclude(String(seeded._tag === "NkeySeed" ? seeded.seed : ""), "SUSEED")
    }))

  it.effect("rejects a replica count a stream cannot have", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(fromEnv({ NATS_STREAM_REPLICAS: "7" }))
      assert.include(error.message, "NATS_STREAM_REPLICAS")
    }))
})
