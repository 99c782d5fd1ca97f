import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ConfigProvider, Context, Effect, Layer, Option, Redacted, Result, Schema, Scope } from "effect"
import { SqlClient } from "effect/sql"
import { type DeviceEvent, type IncidentEvent, IncidentRecord, type IncidentState, Streams, type TriageDecision } from "@wt/contracts"
import { databaseLayer } from "@wt/db"
import { testDatabaseUrl } from "@wt/db/testing"
import { IncidentStore } from "@wt/incident-store"
import { bootstrap, natsUserEnv, type ServiceProcess, startServiceProcess } from "@wt/launcher"
import { freePort, type LocalUser, Nats, type NatsClientAccess, readSubject, startEmbeddedNats } from "@wt/nats"
import { issueResponderDevice } from "@wt/registry"
import { contactDevice, type DemoResponderTokens, memberDevice } from "@wt/registry/demo"

const decodeRecord = Schema.decodeUnknownResult(Schema.fromJsonString(IncidentRecord))

/**
 * Dispatch on its own against a real nats-server and a fresh PostgreSQL database, the demo
 * tenant (with teams, members and, as under `pnpm start` with its simulated responders, the
 * demo's responder devices) seeded; incidents are driven through the incident store as the
 * console and triage would, responders through the responder API with the tokens the seed issued.
 */
export class DispatchRig extends Context.Service<DispatchRig, {
  readonly natsUrl: string
  readonly natsAccess: (user: LocalUser) => NatsClientAccess
  readonly databaseUrl: string
  readonly ingestKey: string
  /** The demo's responder phones and their tokens, as the seed issued them (device name → token). */
  readonly responderTokens: DemoResponderTokens
  readonly dispatch: ServiceProcess
  /** Starts another copy of dispatch on the same stream and database. */
  readonly startCopy: Effect.Effect<ServiceProcess, unknown>
  readonly logs: ReadonlyArray<string>
}>()("wt/tests/DispatchRig") {
  static readonly layer = (residents = 40) =>
    Layer.effect(
      DispatchRig,
      Effect.gen(function*() {
        const dataDir = yield* Effect.acquireRelease(
          Effect.sync(() => mkdtempSync(join(tmpdir(), "wt-dispatch-"))),
          (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
        )
        const nats = yield* startEmbeddedNats({ dataDir })
        const databaseUrl = yield* testDatabaseUrl
        const ingestKey = `dispatch-key-${Math.random().toString(36).slice(2)}`
        const natsAccess = nats.access!
        const seeded = yield* bootstrap({
          natsUrl: nats.url,
          natsAccess: natsAccess("provision"),
          databaseUrl,
          ingestKey: Redacted.make(ingestKey),
          password: Redacted.make("pw-dispatch"),
          seed: true,
          residents,
          responders: { tokens: Redacted.make({}) }
          // Seeded under the data directory dispatch runs with: its installation key seals the key-safe codes.
        }).pipe(Effect.provide(ConfigProvider.layerAdd(ConfigProvider.fromEnv({ env: { WT_DATA_DIR: dataDir } }), { asPrimary: true })))
        const responderTokens = Redacted.value(seeded!.responderTokens!)
        const logs: Array<string> = []
        const start = Effect.gen(function*() {
          const port = yield* freePort
          return yield* startServiceProcess({
            name: "dispatch",
            port,
            env: {
              NATS_URL: nats.url,
              DATABASE_URL: databaseUrl,
              DATABASE_POOL_MAX: "4",
              LOG_LEVEL: "warn",
              LOG_FORMAT: "json",
              WT_DISPATCH_TICK_MS: "100",
              WT_DATA_DIR: dataDir,
              ...natsUserEnv("dispatch", natsAccess)
            },
            onLine: (service, line) => void logs.push(`${service} | ${line}`)
          })
        })
        const dispatch = yield* start
        const scope = yield* Effect.scope
        return DispatchRig.of({
          natsUrl: nats.url,
          natsAccess,
          databaseUrl,
          ingestKey,
          responderTokens,
          dispatch,
          startCopy: start.pipe(Scope.provide(scope)) as Effect.Effect<ServiceProcess, unknown>,
          logs
        })
      })
    )

  /**
   * The rig plus the incident store (writing as triage and the console would, NATS user `console`),
   * a NATS connection that reads every stream (`observer`) and the database, for driving and checking.
   */
  static readonly layerWithClients = (residents = 40) =>
    Layer.mergeAll(
      IncidentStore.layer.pipe(
        Layer.provide(Layer.unwrap(DispatchRig.useSync((r) => Nats.layerWith({ url: r.natsUrl, name: "dispatch-test-writer", ...r.natsAccess("console") }))))
      ),
      Layer.unwrap(DispatchRig.useSync((r) => Nats.layerWith({ url: r.natsUrl, name: "dispatch-test-observer", ...r.natsAccess("observer") }))),
      Layer.unwrap(DispatchRig.useSync((r) => databaseLayer({ url: Redacted.make(r.databaseUrl), poolMax: 2, applicationName: "dispatch-test" })))
    ).pipe(Layer.provideMerge(DispatchRig.layer(residents)))
}

export const fallDecision: TriageDecision = { ruleId: "care.fall", ruleSetVersion: "e2e", priority: "P1", category: "care", reason: "fall detected", fireService: false }
export const smokeDecision: TriageDecision = { ruleId: "fire.smoke", ruleSetVersion: "e2e", priority: "P1", category: "fire", reason: "smoke detector", fireService: true }

export const deviceEvent = (id: string, deviceId: string, type: "fall" | "smoke"): DeviceEvent => ({
  id,
  tenant: "demo",
  deviceId,
  occurredAt: new Date().toISOString(),
  receivedAt: new Date().toISOString(),
  source: { via: "sim" },
  ...(type === "fall"
    ? { type: "safety_alarm", payload: { trigger: "fall_detector" } }
    : { type: "sensor", payload: { sensor: "smoke", state: "triggered" } })
} as DeviceEvent)

/** Every record on the incident's subject, in order. */
export const recordsOf = (incidentId: string) =>
  Effect.map(readSubject(Streams.incident, `wt.inc.demo.${incidentId}`), (messages) =>
    messages.flatMap((m) => {
      const r = decodeRecord(new TextDecoder().decode(m.data))
      return Result.isSuccess(r) ? [r.success] : []
    }))

export const eventsOf = (incidentId: string) =>
  Effect.map(recordsOf(incidentId), (rs) => rs.map((r) => r.event) as ReadonlyArray<IncidentEvent>)

/** Polls the stored incident until `check` accepts its state. */
export const waitForState = Effect.fn("Tests.waitForState")(function*(incidentId: string, check: (s: IncidentState) => boolean, timeoutMs = 15_000) {
  const store = yield* IncidentStore
  const deadline = Date.now() + timeoutMs
  while (true) {
    const stored = yield* store.load("demo", incidentId)
    if (Option.isSome(stored) && check(stored.value.state)) return stored.value.state
    if (Date.now() > deadline) {
      return yield* Effect.die(new Error(`incident ${incidentId} did not reach the expected state; last: ${JSON.stringify(Option.getOrUndefined(stored)?.state.handover)}`))
    }
    yield* Effect.sleep("50 millis")
  }
})

const tokenOf = (tokens: DemoResponderTokens, device: string) => {
  const token = tokens[device]
  if (token === undefined) throw new Error(`the demo seed issued no token to ${device}`)
  return token
}

/** The demo token of member `n` of a team's phone. */
export const memberToken = (tokens: DemoResponderTokens, teamId: string, n = 1) => tokenOf(tokens, memberDevice(`${teamId}-m${n}`))

/** The demo token of a resident's `position`th next of kin's phone. */
export const contactToken = (tokens: DemoResponderTokens, residentId: string, position: number) => tokenOf(tokens, contactDevice(residentId, position))

/**
 * A phone issued to member `n` of a team as an administrator would (an installation without the
 * demo's simulated responders has no other): its token, this once.
 */
export const issueMemberToken = (databaseUrl: string, teamId: string, n = 1, tenant = "demo") =>
  issueResponderDevice({ tenant, holder: { kind: "member", memberId: `${teamId}-m${n}` } }).pipe(
    Effect.map((issued) => Redacted.value(issued.token)),
    Effect.provide(databaseLayer({ url: Redacted.make(databaseUrl), poolMax: 1, applicationName: "issue-responder-device" }))
  )

/** A demo resident with a home address (and the plan and contacts a test needs). */
export const pickResident = Effect.fn("Tests.pickResident")(function*(where: { readonly plan: string; readonly minContacts?: number; readonly keyAccess?: string }) {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ id: string; street: string; postcode: string; city: string; lat: number; lon: number; device_id: string }>`
    SELECT r.id, a.street, a.postcode, a.city, a.lat, a.lon,
           (SELECT d.id FROM devices d WHERE d.tenant = r.tenant AND d.resident_id = r.id AND d.type = 'safety_alarm' LIMIT 1) AS device_id
    FROM residents r JOIN addresses a ON a.tenant = r.tenant AND a.resident_id = r.id AND a.kind = 'home'
    WHERE r.tenant = 'demo' AND r.response_plan_id = ${where.plan}
      AND (SELECT count(*) FROM contacts c WHERE c.tenant = r.tenant AND c.resident_id = r.id) >= ${where.minContacts ?? 0}
      AND (${where.keyAccess ?? null}::text IS NULL OR r.key_access->>'kind' = ${where.keyAccess ?? null})
    ORDER BY r.id`
  return rows
})
