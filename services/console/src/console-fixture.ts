import { exampleDecision, examplePendantAlarm } from "@wt/contracts/examples"
// Shared by the console's tests: the console on a free port over a fresh nats-server
// and a fresh PostgreSQL database, demo users, and incidents written the way triage
// writes them and projected the way the projector does.
import { Effect, Layer, Schema } from "effect"
import { IncidentRecord, type Priority, Streams, Subjects } from "@wt/contracts"
import { TestDatabase } from "@wt/db/testing"
import { IncidentStore } from "@wt/incident-store"
import { readSubject } from "@wt/nats"
import { NatsTestServer } from "@wt/nats/testing"
import { applyIncidentRecord, IncidentViews } from "@wt/read-models"
import { Registry } from "@wt/registry"
import { DemoSeeder } from "@wt/registry/demo"
import { ServiceHttp } from "@wt/service-runtime"
import { ConsoleHttp } from "./console-http.ts"

export const password = "correct horse battery staple"

/** Users `operator`, `operator2`, `supervisor`, `admin` of tenant `demo`; tenant `north` with `north-operator`, and `regional` supervising both. */
const seedDemoUsers = Effect.gen(function*() {
  const seeder = yield* DemoSeeder
  yield* seeder.seed({ ingestKey: "console-test-ingest-key", password, residents: 5, neighbour: true })
})

/** The console with its demo users seeded, and what it stands on, for `layer(...)`. */
export const ConsoleTestLayer = Layer.effectDiscard(seedDemoUsers).pipe(
  Layer.provide(DemoSeeder.layer),
  Layer.provideMerge(ConsoleHttp({ port: 0, host: "127.0.0.1", logRequests: false })),
  Layer.provideMerge(Layer.mergeAll(IncidentStore.layer, IncidentViews.layer, Registry.layer)),
  Layer.provideMerge(Layer.mergeAll(NatsTestServer.layerNats, TestDatabase))
)

let eventCounter = 0

/** Opens an incident as triage would: `priority`, opened at `at`. */
export const openIncident = Effect.fn("test.openIncident")(function*(
  tenant: string,
  incidentId: string,
  options: { readonly priority?: Priority; readonly at?: string; readonly residentId?: string } = {}
) {
  const store = yield* IncidentStore
  const at = options.at ?? new Date().toISOString()
  const deviceEvent = examplePendantAlarm(`evt-console-${++eventCounter}-${incidentId}`, { tenant, occurredAt: at })
  const priority = options.priority ?? "P1"
  return yield* store.execute(tenant, incidentId, {
    type: "open_incident",
    at,
    incidentId,
    tenant,
    residentId: options.residentId ?? "res-0001",
    decision: exampleDecision(priority),
    deviceEvent
  })
})

const decodeRecord = Schema.decodeUnknownSync(Schema.fromJsonString(IncidentRecord))

/** Applies every stored event of one incident to the read model, as the projector does. */
export const project = Effect.fn("test.project")(function*(tenant: string, incidentId: string) {
  const messages = yield* readSubject(Streams.incident, Subjects.incident(tenant, incidentId))
  for (const m of messages) yield* applyIncidentRecord(decodeRecord(new TextDecoder().decode(m.data)), m.seq)
})

export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly body: any
}

export interface CallOptions {
  readonly token?: string
  readonly cookie?: string
  readonly body?: unknown
  readonly contentType?: string
  /** More request headers (`origin`, `sec-fetch-site` …). */
  readonly headers?: Readonly<Record<string, string>>
}

/** One request to the console under test; the body is parsed as JSON when it is JSON. */
export const call = Effect.fn("test.call")(function*(method: string, path: string, options: CallOptions = {}) {
  const { url } = yield* ServiceHttp
  return yield* Effect.promise(async (): Promise<Answer> => {
    const headers: Record<string, string> = {}
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`
    if (options.cookie !== undefined) headers.cookie = options.cookie
    if (options.body !== undefined || method === "POST") headers["content-type"] = options.contentType ?? "application/json"
    Object.assign(headers, options.headers)
    const response = await fetch(`${url}${path}`, {
      method,
      headers,
      ...(options.body !== undefined ? { body: typeof options.body === "string" ? options.body : JSON.stringify(options.body) } : {})
    })
    const text = await response.text()
    const isJson = response.headers.get("content-type")?.includes("json") === true
    return { status: response.status, headers: response.headers, body: isJson && text !== "" ? JSON.parse(text) : text }
  })
})

export const signIn = Effect.fn("test.signIn")(function*(username: string) {
  const answer = yield* call("POST", "/api/session", { body: { username, password } })
  if (answer.status !== 200) return yield* Effect.die(new Error(`sign-in as ${username} answered ${answer.status}`))
  return answer.body as { readonly token: string; readonly user: { readonly id: string; readonly displayName: string } }
})
