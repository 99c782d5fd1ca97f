import { assert, describe, it, layer } from "@effect/vitest"
import {
  AgencyStream,
  agencyStreamSpec,
  Buckets,
  CareAlarmBucket,
  defaultNatsSettings,
  ensureStream,
  makeNats,
  Nats,
  type NatsUser,
  InstallationBuckets,
  OpenIncidentBucket,
  provisionStreamsWith,
  SealStream,
  sealStreamSpec,
  signsOfLifeStreamSpec
} from "@wt/nats"
import { NatsTestServer } from "@wt/nats/testing"
import { Effect } from "effect"
import { natsUserOf, operatorUserEnv } from "./nats-access.ts"
import { provisionInstallation } from "./provision.ts"

const settings = defaultNatsSettings

const run = <A, E>(user: NatsUser, effect: Effect.Effect<A, E, Nats>) =>
  Effect.scoped(Effect.gen(function*() {
    const server = yield* NatsTestServer
    const nats = yield* makeNats({ url: server.url, name: `provision-test-${user}`, ...server.access(user), connectTimeoutMs: 2_000 })
    return yield* Effect.provideService(effect, Nats, nats)
  }))

const openBucket = (bucket: string) => Nats.use((nats) => nats.kv(bucket))

const put = (bucket: string) => Effect.flatMap(openBucket(bucket), (kv) => kv.put("demo.device-1", "{}"))

describe("what provisioning makes", () => {
  it("the permissions cover every bucket provisioning makes, and no other", () => {
    assert.sameMembers(InstallationBuckets.map((b) => b.bucket), Object.values(Buckets))
  })

  it("gives triage's lanes one NATS user and supervision its own", () => {
    assert.deepStrictEqual([natsUserOf.triage, natsUserOf["triage-bulk"], natsUserOf.supervision], ["triage", "triage", "supervision"])
  })

  it("for an operator's NATS, takes a user's own variables when set, and blanks the shared ones so they cannot mix in", () => {
    const env = { NATS_USER: "shared", NATS_PASSWORD: "shared-pw", NATS_USER_GATEWAY: "gw", NATS_PASSWORD_GATEWAY: "gw-pw" }
    const gateway = operatorUserEnv("gateway", env)
    assert.strictEqual(gateway["NATS_USER"], "gw")
    assert.strictEqual(gateway["NATS_PASSWORD"], "gw-pw")
    assert.strictEqual(gateway["NATS_NKEY_FILE"], "")
    // No variables of its own: the process inherits the shared ones.
    assert.deepStrictEqual(operatorUserEnv("console", env), {})
  })
})

layer(NatsTestServer.layer, { excludeTestServices: true, timeout: "120 seconds" })("provisioning and the services' own checks at start", (it) => {
  it.effect("before provisioning a service cannot make what is missing, and says so; after it, every service's start-time checks pass with its own user", () =>
    Effect.gen(function*() {
      const missing = yield* run("dispatch", Effect.flip(ensureStream(agencyStreamSpec(settings))))
      assert.include(missing.message, "run provisioning first")
      const noBucket = yield* run("triage", Effect.flip(openBucket(OpenIncidentBucket)))
      assert.match(String(noBucket), /permissions violation/i)

      yield* run("provision", provisionInstallation(settings))

      // What Infrastructure does in every service, and what each does for its own streams and buckets.
      for (const user of [...new Set(Object.values(natsUserOf))]) {
        yield* run(user, provisionStreamsWith(settings))
      }
      assert.strictEqual(yield* run("audit", ensureStream(sealStreamSpec(settings))), "unchanged")
      assert.strictEqual(yield* run("dispatch", ensureStream(agencyStreamSpec(settings))), "unchanged")
      assert.strictEqual(yield* run("supervision", ensureStream(signsOfLifeStreamSpec(settings))), "unchanged")
      for (const bucket of [OpenIncidentBucket, CareAlarmBucket]) {
        yield* run("triage", openBucket(bucket))
        yield* run("supervision", openBucket(bucket))
      }
      for (const bucket of [Buckets.deviceSeen, Buckets.pendingChecks, Buckets.residentActivity]) yield* run("supervision", openBucket(bucket))
      // Supervision writes its keys; triage's lanes may not touch supervision's buckets.
      assert.isAbove(yield* run("supervision", put(Buckets.deviceSeen)), 0)
      const refused = yield* run("triage", Effect.flip(put(Buckets.deviceSeen)))
      assert.match(String(refused), /permissions violation/i)
    }))

  it.effect("a service whose settings differ from the provisioned stream uses it as it is, and only provisioning changes it", () =>
    Effect.gen(function*() {
      const longer = { ...settings, deviceMaxAgeMs: settings.deviceMaxAgeMs * 2 }
      // Not an error for the service: it logs the difference and goes on.
      yield* run("gateway", provisionStreamsWith(longer))
      const unchanged = yield* run("observer", Nats.use((nats) => Effect.orDie(nats.streamInfo("WT_DEVICE"))))
      assert.strictEqual(unchanged.config.max_age, settings.deviceMaxAgeMs * 1_000_000)
      yield* run("provision", provisionInstallation(longer))
      const changed = yield* run("observer", Nats.use((nats) => Effect.orDie(nats.streamInfo("WT_DEVICE"))))
      assert.strictEqual(changed.config.max_age, longer.deviceMaxAgeMs * 1_000_000)
    }))
})
