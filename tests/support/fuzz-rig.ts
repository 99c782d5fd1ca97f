// What the contract fuzzer needs from a running installation: the three OpenAPI documents as the
// services serve them, callers of every kind (the demo's operator, supervisor and admin and north's
// operator; responder phones; both tenants' ingest keys; vendor platforms that sign), real ids of both
// tenants to aim at, and each tenant's resident ids to look for where they must not be.
import { readdirSync, readFileSync } from "node:fs"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { Streams, Subjects } from "@wt/contracts"
import { databaseLayer } from "@wt/db"
import type { Nats } from "@wt/nats"
import { hashIngestKey, issueResponderDevice } from "@wt/registry"
import { type Caller, type Target, type TenantRecords, vendorSigner } from "./http-fuzz.ts"
import type { OpenApiDocument } from "./openapi.ts"

export interface Installation {
  readonly consoleUrl: string
  readonly ingestUrl: string
  readonly dispatchUrl: string
  readonly databaseUrl: string
  readonly password: string
  readonly ingestKey: string
  readonly webhookSecrets: Readonly<Record<string, string>>
}

export interface FuzzRig {
  readonly targets: ReadonlyArray<Target>
  readonly tenants: ReadonlyArray<TenantRecords>
}

const getJson = (url: string, headers: Record<string, string> = {}) =>
  Effect.promise(async () => {
    const response = await fetch(url, { headers })
    if (!response.ok) throw new Error(`${url} answered ${response.status}`)
    return await response.json() as any
  })

const signIn = (consoleUrl: string, username: string, password: string) =>
  Effect.promise(async () => {
    const response = await fetch(`${consoleUrl}/api/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username, password }) })
    if (response.status !== 200) throw new Error(`sign-in as ${username}: ${response.status}`)
    return ((await response.json()) as { token: string }).token
  })

const vendorSchemes = (): Record<string, any> => {
  const dir = new URL("../../packages/webhooks/vendors/", import.meta.url)
  return Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => {
    const mapping = JSON.parse(readFileSync(new URL(f, dir), "utf8"))
    return [mapping.vendor as string, mapping.signature]
  }))
}

/** Sets up callers and ids on `installation` and returns the three targets. */
export const fuzzRig = Effect.fn("Tests.fuzzRig")(function*(installation: Installation) {
  const { consoleUrl, ingestUrl, dispatchUrl, password } = installation
  const northKey = `fuzz-north-${Math.random().toString(36).slice(2)}`

  const records = yield* Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`INSERT INTO ingest_keys (key_hash, tenant, label) VALUES (${hashIngestKey(northKey)}, 'north', 'fuzz') ON CONFLICT DO NOTHING`
    const residents = yield* sql<{ id: string; tenant: string }>`SELECT id, tenant FROM residents ORDER BY tenant, id`
    const devices = yield* sql<{ id: string; tenant: string; type: string }>`SELECT id, tenant, type FROM devices ORDER BY tenant, id`
    const [member] = yield* sql<{ id: string }>`SELECT id FROM responder_members WHERE tenant = 'demo' ORDER BY id LIMIT 1`
    const [contact] = yield* sql<{ resident_id: string }>`SELECT resident_id FROM contacts WHERE tenant = 'demo' ORDER BY resident_id LIMIT 1`
    const memberPhone = yield* issueResponderDevice({ tenant: "demo", holder: { kind: "member", memberId: member!.id }, label: "fuzz member" })
    const contactPhone = yield* issueResponderDevice({ tenant: "demo", holder: { kind: "contact", residentId: contact!.resident_id, position: 1 }, label: "fuzz contact" })
    return { residents, devices, memberToken: Redacted.value(memberPhone.token), contactToken: Redacted.value(contactPhone.token) }
  }).pipe(Effect.provide(databaseLayer({ url: Redacted.make(installation.databaseUrl), poolMax: 1, applicationName: "wt-fuzz" })))

  // An alarm of each tenant, through the gateway, so each has an incident to aim at.
  const alarmOf = (tenant: string) => records.devices.find((d) => d.tenant === tenant && d.type === "safety_alarm")!.id
  const post = (key: string, tenant: string) =>
    Effect.promise(() =>
      fetch(`${ingestUrl}/v1/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({
          id: `fuzz-${tenant}-${Date.now()}`,
          tenant,
          deviceId: alarmOf(tenant),
          occurredAt: new Date().toISOString(),
          source: { via: "http" },
          type: "safety_alarm",
          payload: { trigger: "pendant" }
        })
      }).then((r) => r.status))
  expect202(yield* post(installation.ingestKey, "demo"))
  expect202(yield* post(northKey, "north"))

  const tokens = {
    operator: yield* signIn(consoleUrl, "operator", password),
    supervisor: yield* signIn(consoleUrl, "supervisor", password),
    admin: yield* signIn(consoleUrl, "admin", password),
    north: yield* signIn(consoleUrl, "north-operator", password)
  }
  const incidentsOf = Effect.fn("Tests.incidentsOf")(function*(token: string) {
    for (let i = 0; i < 200; i++) {
      const list = (yield* getJson(`${consoleUrl}/api/incidents?status=active`, { authorization: `Bearer ${token}` })) as ReadonlyArray<{ incidentId: string }>
      if (list.length > 0) return list.map((x) => x.incidentId)
      yield* Effect.sleep("100 millis")
    }
    return yield* Effect.die(new Error("no incident reached the queue"))
  })
  const incidents = [...(yield* incidentsOf(tokens.operator)), ...(yield* incidentsOf(tokens.north))]

  const docs = {
    console: (yield* getJson(`${consoleUrl}/api/openapi.json`)) as OpenApiDocument,
    responder: (yield* getJson(`${dispatchUrl}/openapi.json`)) as OpenApiDocument,
    ingest: (yield* getJson(`${ingestUrl}/openapi.json`)) as OpenApiDocument
  }

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
  const knownIds = [
    ...incidents,
    ...records.residents.slice(0, 8).map((r) => r.id),
    ...records.residents.filter((r) => r.tenant === "north").slice(0, 4).map((r) => r.id),
    ...records.devices.slice(0, 6).map((d) => d.id),
    ...records.devices.filter((d) => d.tenant === "north").slice(0, 3).map((d) => d.id),
    "demo",
    "north",
    "plan-standard"
  ]
  const consoleCallers: ReadonlyArray<Caller> = [
    { name: "operator", headers: bearer(tokens.operator), tenant: "demo" },
    { name: "supervisor", headers: bearer(tokens.supervisor), tenant: "demo" },
    { name: "admin", headers: bearer(tokens.admin), tenant: "demo" },
    { name: "north-operator", headers: bearer(tokens.north), tenant: "north" }
  ]
  const targets: ReadonlyArray<Target> = [
    {
      name: "console",
      baseUrl: consoleUrl,
      doc: docs.console,
      callers: consoleCallers,
      knownIds,
      // Signing out would end the sessions every other request uses: these run as no one and with forged credentials.
      anonymousOnly: (path, method) => (path === "/api/session" && method === "delete") || path === "/api/session/sign-out-everywhere"
    },
    {
      name: "responder",
      baseUrl: dispatchUrl,
      doc: docs.responder,
      callers: [
        { name: "team member's phone", headers: bearer(records.memberToken), tenant: "demo" },
        { name: "next of kin's phone", headers: bearer(records.contactToken), tenant: "demo" }
      ],
      knownIds
    },
    {
      name: "ingest",
      baseUrl: ingestUrl,
      doc: docs.ingest,
      callers: [
        { name: "ingest key demo", headers: bearer(installation.ingestKey), tenant: "demo" },
        { name: "ingest key north", headers: bearer(northKey), tenant: "north" }
      ],
      knownIds: [...Object.keys(installation.webhookSecrets), ...knownIds],
      bodyHints: {
        vendor: Object.keys(installation.webhookSecrets),
        tenant: ["demo", "north"],
        deviceId: [...records.devices.filter((d) => d.tenant === "demo").slice(0, 20), ...records.devices.filter((d) => d.tenant === "north").slice(0, 5)].map((d) => d.id)
      },
      sign: vendorSigner(vendorSchemes(), installation.webhookSecrets)
    }
  ]
  const tenants: ReadonlyArray<TenantRecords> = ["demo", "north"].map((tenant) => ({
    tenant,
    residentIds: records.residents.filter((r) => r.tenant === tenant).map((r) => r.id)
  }))
  return { targets, tenants } satisfies FuzzRig
})

const expect202 = (status: number) => {
  if (status !== 202) throw new Error(`an alarm for the fuzz rig answered ${status}`)
}

/** Dead letters the gateway kept so far (HTTP ingest and webhooks), for the "every refused body is in WT_DLQ" check. */
export const ingestDeadLetters = (nats: Nats["Service"]) =>
  Effect.orDie(nats.streamInfo(Streams.deadLetter, { subjectsFilter: Subjects.deadLetterAll })).pipe(
    Effect.map((info) => {
      const subjects = (info.state.subjects ?? {}) as Record<string, number>
      return (subjects[Subjects.deadLetter("gateway")] ?? 0) + (subjects[Subjects.deadLetter("webhook")] ?? 0)
    })
  )
