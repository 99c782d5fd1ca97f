// The responder API's answers as a phone sees them, over its HttpApi on a free port: the device
// token, the incident id and the body checked in that order, each refusal with its status and
// `{error}` body, a refused body kept in WT_DLQ with its bytes, and the OpenAPI document served.
// Directory, mirror and store are stand-ins; tests/e2e/dispatch.test.ts runs the whole service.
import { expect, layer } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { OpenApi } from "effect/http-api"
import { type IncidentState, Streams, Subjects } from "@wt/contracts"
import { hashResponderToken } from "@wt/dispatch"
import { HandoverConflict, IncidentNotFound } from "@wt/incident"
import { IncidentStore } from "@wt/incident-store"
import { readSubject } from "@wt/nats"
import { NatsTestServer } from "@wt/nats/testing"
import { Registry } from "@wt/registry"
import { ServiceHttp } from "@wt/service-runtime"
import { DispatchDirectory, type ResponderIdentity } from "./directory.ts"
import { IncidentMirror } from "./incident-mirror.ts"
import { ResponderApi } from "./responder-api.ts"
import { ResponderRoutes } from "./responder-http.ts"

const member: ResponderIdentity = { kind: "member", tenant: "demo", id: "team-a-m1", name: "Ola", teamId: "team-a" }
const nextOfKin: ResponderIdentity = { kind: "contact", tenant: "demo", residentId: "res-1", position: 1, label: "Kari (datter)" }
const devices = new Map<string, ResponderIdentity>([[hashResponderToken("rsp_member"), member], [hashResponderToken("rsp_kin"), nextOfKin]])

/** An incident with a call-out offered to team-a; `team`, `step`, `deadline` and `eta` left out where a view must leave them out. */
const offered = {
  incidentId: "inc-offered",
  tenant: "demo",
  residentId: "res-1",
  priority: "P1",
  alarmType: "safety_alarm:pendant",
  version: 3,
  handover: {
    no: 1,
    stage: "offered",
    reason: "fall",
    address: { kind: "home", street: "Gamleveien 1", postcode: "9990", city: "Fjordvik", lat: 69.148, lon: 17.412 },
    offerNo: 1,
    tried: [],
    team: { id: "team-a", name: "Team A" },
    step: "offer"
  }
} as unknown as IncidentState

const withoutCallOut = { ...offered, incidentId: "inc-none", handover: undefined } as unknown as IncidentState

const TestDirectory = Layer.succeed(DispatchDirectory, {
  responderByTokenHash: (hash: string) => Effect.succeed(Option.fromNullishOr(devices.get(hash)))
} as unknown as DispatchDirectory["Service"])

const TestMirror = Layer.succeed(IncidentMirror, {
  watched: () => [offered],
  get: (_tenant: string, incidentId: string) => (incidentId === offered.incidentId ? offered : undefined),
  observe: () => {},
  caughtUp: () => true
})

/** `inc-none` has no call-out any more; `inc-gone` does not exist; any other incident refuses the step. */
const TestStore = Layer.succeed(IncidentStore, {
  load: () => Effect.succeed(Option.none()),
  execute: (_tenant: string, incidentId: string) =>
    incidentId === "inc-none"
      ? Effect.succeed({ state: withoutCallOut, events: [] })
      : incidentId === "inc-gone"
      ? Effect.fail(new IncidentNotFound({ incidentId }))
      : Effect.fail(new HandoverConflict({ incidentId, message: "the offer is no longer open" }))
} as unknown as IncidentStore["Service"])

const ResponderTestLayer = ServiceHttp.layer({ service: "dispatch", port: 0, host: "127.0.0.1", logRequests: false, routes: ResponderRoutes }).pipe(
  Layer.provideMerge(Layer.mergeAll(TestDirectory, TestMirror, TestStore, Layer.succeed(Registry, {} as Registry["Service"]))),
  Layer.provideMerge(NatsTestServer.layerNats)
)

interface Answer {
  readonly status: number
  readonly contentType: string | null
  readonly body: any
}

const call = (method: "GET" | "POST", path: string, options: { readonly authorization?: string; readonly body?: string; readonly contentType?: string } = {}) =>
  Effect.gen(function*() {
    const { url } = yield* ServiceHttp
    return yield* Effect.promise(async (): Promise<Answer> => {
      const headers: Record<string, string> = {}
      if (options.authorization !== undefined) headers.authorization = options.authorization
      if (options.contentType !== undefined) headers["content-type"] = options.contentType
      const response = await fetch(`${url}${path}`, { method, headers, ...(options.body === undefined ? {} : { body: options.body }) })
      const text = await response.text()
      return { status: response.status, contentType: response.headers.get("content-type"), body: text === "" ? undefined : JSON.parse(text) }
    })
  })

const asMember = { authorization: "Bearer rsp_member", contentType: "application/json" }

const deadLetters = readSubject(Streams.deadLetter, Subjects.deadLetter("dispatch")).pipe(
  Effect.map((messages) => messages.map((m) => JSON.parse(new TextDecoder().decode(m.data)) as { reason: string; tenant: string; rawBase64: string }))
)

layer(ResponderTestLayer, { excludeTestServices: true, timeout: "60 seconds" })("the responder API", (it) => {
  it.effect("a device token is required, read as phones send it; /me answers who holds it", () =>
    Effect.gen(function*() {
      const refused = { status: 401, contentType: "application/json", body: { error: "a valid responder device token is required: Authorization: Bearer <token>" } }
      expect(yield* call("GET", "/v1/responder/me")).toEqual(refused)
      expect(yield* call("GET", "/v1/responder/me", { authorization: "Bearer rsp_nobody" })).toEqual(refused)
      expect(yield* call("POST", "/v1/responder/incidents/inc-none/accept", { authorization: "Bearer rsp_nobody", body: "{" })).toEqual(refused)
      expect((yield* call("GET", "/v1/responder/me", { authorization: "Bearer\trsp_member" })).body).toEqual(member)
      expect(yield* call("GET", "/v1/responder/me", { authorization: "bearer rsp_kin" })).toEqual({ status: 200, contentType: "application/json", body: nextOfKin })
    }))

  it.effect("each kind of device is kept to its own routes (403), before the incident id is looked at", () =>
    Effect.gen(function*() {
      expect(yield* call("POST", "/v1/responder/incidents/bad.id/accept", { authorization: "Bearer rsp_kin", body: "{}" })).toMatchObject({
        status: 403,
        body: { error: "only a team member's device can do this" }
      })
      expect(yield* call("POST", "/v1/responder/incidents/inc-none/answer", { ...asMember, body: JSON.stringify({ accepted: true }) })).toMatchObject({
        status: 403,
        body: { error: "only a next of kin's device answers a cascade call" }
      })
    }))

  it.effect("an incident id that is no subject token is a 400 before the body is read; a store's refusal keeps its status", () =>
    Effect.gen(function*() {
      expect(yield* call("POST", "/v1/responder/incidents/bad.id/accept", { ...asMember, body: "not json" })).toEqual({
        status: 400,
        contentType: "application/json",
        body: { error: "bad incident id" }
      })
      const step = JSON.stringify({ offerNo: 1, etaMinutes: 5 })
      expect(yield* call("POST", "/v1/responder/incidents/inc-gone/accept", { ...asMember, body: step })).toMatchObject({ status: 404, body: { error: "no such incident" } })
      expect(yield* call("POST", "/v1/responder/incidents/inc-taken/accept", { ...asMember, body: step })).toMatchObject({ status: 409, body: { error: "the offer is no longer open" } })
    }))

  it.effect("a body is read whatever its content type, a missing one as {}; a step on an incident without a call-out answers {ok: true}", () =>
    Effect.gen(function*() {
      expect(yield* call("POST", "/v1/responder/incidents/inc-none/en-route", { authorization: "Bearer rsp_member" })).toEqual({
        status: 200,
        contentType: "application/json",
        body: { ok: true }
      })
      expect(yield* call("POST", "/v1/responder/incidents/inc-none/complete", { authorization: "Bearer rsp_member", contentType: "text/plain", body: JSON.stringify({ outcome: "ok" }) }))
        .toMatchObject({ status: 200, body: { ok: true } })
    }))

  it.effect("a body the API cannot read is answered 400 with the reason and kept in WT_DLQ with its exact bytes", () =>
    Effect.gen(function*() {
      const garbled = `{"offerNo": 1, "etaMinutes": inc-none-garbled`
      const notJson = yield* call("POST", "/v1/responder/incidents/inc-none/accept", { ...asMember, body: garbled })
      expect(notJson.status).toBe(400)
      expect(notJson.body.error).toMatch(/^invalid JSON: /)
      const wrongField = JSON.stringify({ offerNo: 1, etaMinutes: "soon", tag: "inc-none-wrong" })
      const unfit = yield* call("POST", "/v1/responder/incidents/inc-none/accept", { ...asMember, body: wrongField })
      expect(unfit.status).toBe(400)
      expect(Object.keys(unfit.body)).toEqual(["error"])
      expect(unfit.body.error).toContain("etaMinutes")
      expect(unfit.body.error).toContain("tag")

      const kept = (yield* deadLetters).filter((l) => l.reason.includes("/v1/responder/incidents/inc-none/accept"))
      expect(kept.map((l) => Buffer.from(l.rawBase64, "base64").toString("utf8")).sort()).toEqual([garbled, wrongField].sort())
      expect(kept.every((l) => l.tenant === "demo")).toBe(true)
    }))

  it.effect("a team member's phone is shown its team's offers, with no key for what the call-out does not have", () =>
    Effect.gen(function*() {
      const answer = yield* call("GET", "/v1/responder/offers", { authorization: "Bearer rsp_member" })
      expect(answer.status).toBe(200)
      expect(answer.body).toEqual({
        offers: [{
          incidentId: "inc-offered",
          priority: "P1",
          alarmType: "safety_alarm:pendant",
          callOut: 1,
          offerNo: 1,
          stage: "offered",
          team: { id: "team-a", name: "Team A" },
          reason: "fall",
          address: offered.handover!.address,
          criticalNotes: [],
          access: { kind: "none" },
          step: "offer"
        }],
        assigned: []
      })
      expect((yield* call("GET", "/v1/responder/offers", { authorization: "Bearer rsp_kin" })).body).toEqual({ calls: [] })
    }))

  it.effect("GET /openapi.json is the document generated from the HttpApi the routes are served by", () =>
    Effect.gen(function*() {
      const answer = yield* call("GET", "/openapi.json")
      expect(answer.status).toBe(200)
      expect(answer.body).toEqual(JSON.parse(JSON.stringify(OpenApi.fromApi(ResponderApi))))
      expect(Object.keys(answer.body.paths)).toHaveLength(9)
    }))
})
