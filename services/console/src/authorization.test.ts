import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { HttpApi } from "effect/http-api"
import { hashPassword } from "@wt/registry"
import { ConsoleApi } from "./api.ts"
import { call, ConsoleTestLayer, openIncident, password, project, signIn } from "./console-fixture.ts"

type Role = "operator" | "supervisor" | "admin"
type Who = "operator" | "supervisor" | "admin" | "north-operator" | "north-admin"

/** Every route of the API, read from its definition: a route added later is in this list too. */
const definedRoutes = (() => {
  const routes: Array<string> = []
  HttpApi.reflect(ConsoleApi, { onGroup: () => undefined, onEndpoint: ({ endpoint }) => routes.push(`${endpoint.method} ${endpoint.path}`) })
  return routes
})()

const address = { kind: "home", street: "Nordveien 1", postcode: "9990", city: "Nordre", lat: 70.1, lon: 25.1 }
const residentBody = (tenant: string) => ({
  tenant,
  displayName: "Test Person",
  birthYear: 1940,
  language: "nb",
  addresses: [address],
  healthNotes: [],
  mobility: "independent",
  keyAccess: { kind: "none" },
  dementia: false,
  responsePlanId: "plan-standard"
})
const deviceBody = (tenant: string, residentId: string) => ({
  tenant, residentId, type: "safety_alarm", placement: "hallway", heartbeatIntervalS: 86400, active: true, triggers: ["pendant"]
})
const planBody = (tenant: string) => ({ tenant, entries: [{ alarmType: "safety_alarm", title: "Care alarm", steps: ["Answer the call"] }] })
const userBody = (tenant: string) => ({ username: "auth-probe", displayName: "Probe", role: "operator", tenants: [tenant], password: "a long enough password" })

interface Rule {
  /** Anyone may call it. */
  readonly open?: true
  /** Roles allowed; the others get 403. Default: every role. */
  readonly roles?: ReadonlyArray<Role>
  /** The route with concrete ids, and a valid body. */
  readonly path: string
  readonly body?: unknown
  /**
   * The same route aimed at tenant north's record by a demo user (404), and by someone of
   * north who may see it (not 404: the record is there, only not for the demo user).
   */
  readonly acrossTenants?: { readonly path: string; readonly body?: unknown; readonly as: Who; readonly owner: Who }
}

const dispatchBody = {
  address: { kind: "home", street: "Storgata 1", postcode: "0155", city: "Oslo", lat: 59.91, lon: 10.75 },
  reason: "fall, cannot get up"
}

const northIncident = "authz-north"
const demoIncident = "authz-demo"

const rules: Record<string, Rule> = {
  "POST /api/session": { open: true, path: "/api/session", body: { username: "operator", password } },
  "GET /api/session": { path: "/api/session" },
  "DELETE /api/session": { path: "/api/session" },
  "GET /api/incidents": { path: "/api/incidents" },
  "GET /api/incidents/:id": {
    path: `/api/incidents/${demoIncident}`,
    acrossTenants: { path: `/api/incidents/${northIncident}`, as: "operator", owner: "north-operator" }
  },
  "GET /api/incidents/:id/timeline": {
    path: `/api/incidents/${demoIncident}/timeline`,
    acrossTenants: { path: `/api/incidents/${northIncident}/timeline`, as: "supervisor", owner: "north-operator" }
  },
  "GET /api/incidents/:id/storm-devices": {
    path: `/api/incidents/${demoIncident}/storm-devices`,
    acrossTenants: { path: `/api/incidents/${northIncident}/storm-devices`, as: "operator", owner: "north-operator" }
  },
  "POST /api/incidents/:id/claim": {
    path: "/api/incidents/authz-none/claim",
    body: {},
    acrossTenants: { path: `/api/incidents/${northIncident}/claim`, body: {}, as: "operator", owner: "north-operator" }
  },
  "POST /api/incidents/:id/resolve": {
    path: "/api/incidents/authz-none/resolve",
    body: {},
    acrossTenants: { path: `/api/incidents/${northIncident}/resolve`, body: { cause: "x" }, as: "operator", owner: "north-operator" }
  },
  "POST /api/incidents/:id/cancel": {
    path: "/api/incidents/authz-none/cancel",
    body: { reason: "false alarm" },
    acrossTenants: { path: `/api/incidents/${northIncident}/cancel`, body: { reason: "false alarm" }, as: "operator", owner: "north-operator" }
  },
  "POST /api/incidents/:id/note": {
    path: "/api/incidents/authz-none/note",
    body: { text: "called" },
    acrossTenants: { path: `/api/incidents/${northIncident}/note`, body: { text: "called" }, as: "operator", owner: "north-operator" }
  },
  "POST /api/incidents/:id/contact": {
    path: "/api/incidents/authz-none/contact",
    body: { party: "resident" },
    acrossTenants: { path: `/api/incidents/${northIncident}/contact`, body: { party: "resident" }, as: "operator", owner: "north-operator" }
  },
  "POST /api/incidents/:id/close": {
    path: "/api/incidents/authz-none/close",
    body: {},
    acrossTenants: { path: `/api/incidents/${northIncident}/close`, body: {}, as: "supervisor", owner: "north-operator" }
  },
  "POST /api/incidents/:id/dispatch": {
    path: "/api/incidents/authz-none/dispatch",
    body: dispatchBody,
    acrossTenants: { path: `/api/incidents/${northIncident}/dispatch`, body: dispatchBody, as: "operator", owner: "north-operator" }
  },
  "POST /api/incidents/:id/dispatch/cancel": {
    path: "/api/incidents/authz-none/dispatch/cancel",
    body: { reason: "resident is fine" },
    acrossTenants: { path: `/api/incidents/${northIncident}/dispatch/cancel`, body: { reason: "resident is fine" }, as: "operator", owner: "north-operator" }
  },
  "POST /api/incidents/:id/cascade/answer": {
    path: "/api/incidents/authz-none/cascade/answer",
    body: { position: 1, accepted: true },
    acrossTenants: { path: `/api/incidents/${northIncident}/cascade/answer`, body: { position: 1, accepted: true }, as: "operator", owner: "north-operator" }
  },
  // Without an incident: an operator reads a record only for an open incident of that resident (residents.test.ts).
  "GET /api/residents/:id": {
    roles: ["supervisor", "admin"],
    path: "/api/residents/res-0001",
    acrossTenants: { path: "/api/residents/n-res-0001", as: "operator", owner: "north-admin" }
  },
  // Like the card: an operator needs an open incident of the resident (key-safe.test.ts).
  "POST /api/residents/:id/key-safe-code": {
    roles: ["supervisor", "admin"],
    path: "/api/residents/res-0001/key-safe-code",
    body: {},
    acrossTenants: { path: "/api/residents/n-res-0002/key-safe-code", body: {}, as: "operator", owner: "north-admin" }
  },
  // Positions: the card's rules (positions.test.ts); audited like a view of the record.
  "GET /api/residents/:id/positions": {
    roles: ["supervisor", "admin"],
    path: "/api/residents/res-0001/positions",
    acrossTenants: { path: "/api/residents/n-res-0001/positions", as: "operator", owner: "north-admin" }
  },
  "GET /api/resident-labels": { path: "/api/resident-labels?ids=res-0001" },
  "PUT /api/session/language": { path: "/api/session/language", body: { language: "en" } },
  "POST /api/session/sign-out-everywhere": { path: "/api/session/sign-out-everywhere", body: {} },
  // Another tenant's user is 404 (sign-in.test.ts); not run across tenants here, where it would end the sessions this test goes on using.
  "POST /api/admin/users/:id/sign-out-everywhere": { roles: ["admin"], path: "/api/admin/users/user-operator2/sign-out-everywhere", body: {} },
  "POST /api/admin/users/:id/lift-sign-in-lock": {
    roles: ["admin"],
    path: "/api/admin/users/user-operator2/lift-sign-in-lock",
    body: {},
    acrossTenants: { path: "/api/admin/users/user-north-operator/lift-sign-in-lock", body: {}, as: "admin", owner: "north-admin" }
  },
  "GET /api/overview": { roles: ["supervisor", "admin"], path: "/api/overview" },
  "GET /api/reports/:kind": {
    roles: ["supervisor", "admin"],
    path: "/api/reports/sla",
    acrossTenants: { path: "/api/reports/sla?tenant=north", as: "supervisor", owner: "north-admin" }
  },
  "GET /api/reports/:kind/csv": {
    roles: ["supervisor", "admin"],
    path: "/api/reports/sla/csv",
    acrossTenants: { path: "/api/reports/sla/csv?tenant=north", as: "supervisor", owner: "north-admin" }
  },
  "GET /api/admin/residents": { roles: ["admin"], path: "/api/admin/residents" },
  "GET /api/admin/residents/:id": {
    roles: ["admin"],
    path: "/api/admin/residents/res-0001",
    acrossTenants: { path: "/api/admin/residents/n-res-0002", as: "admin", owner: "north-admin" }
  },
  "PUT /api/admin/residents/:id": {
    roles: ["admin"],
    path: "/api/admin/residents/res-authz",
    body: residentBody("demo"),
    acrossTenants: { path: "/api/admin/residents/n-res-authz", body: residentBody("north"), as: "admin", owner: "north-admin" }
  },
  "PUT /api/admin/residents/:id/contacts": {
    roles: ["admin"],
    path: "/api/admin/residents/res-0003/contacts",
    body: { contacts: [{ name: "A Neighbour", relation: "neighbour", phone: "+47 400 00 000", keyholder: true }] },
    acrossTenants: {
      path: "/api/admin/residents/n-res-0003/contacts",
      body: { contacts: [{ name: "A Neighbour", relation: "neighbour", phone: "+47 400 00 000", keyholder: true }] },
      as: "admin",
      owner: "north-admin"
    }
  },
  "GET /api/admin/devices": { roles: ["admin"], path: "/api/admin/devices" },
  "PUT /api/admin/devices/:id": {
    roles: ["admin"],
    path: "/api/admin/devices/alarm-authz",
    body: deviceBody("demo", "res-0001"),
    acrossTenants: { path: "/api/admin/devices/n-alarm-authz", body: deviceBody("north", "n-res-0001"), as: "admin", owner: "north-admin" }
  },
  "GET /api/admin/devices/:tenant/:id/identities": {
    roles: ["admin"],
    path: "/api/admin/devices/demo/alarm-000001/identities",
    acrossTenants: { path: "/api/admin/devices/north/n-alarm-000001/identities", as: "admin", owner: "north-admin" }
  },
  "PUT /api/admin/devices/:tenant/:id/identities/:protocol": {
    roles: ["admin"],
    path: "/api/admin/devices/demo/alarm-000002/identities/osmand",
    body: { identity: "authz-demo" },
    acrossTenants: { path: "/api/admin/devices/north/n-alarm-000002/identities/osmand", body: { identity: "authz-north" }, as: "admin", owner: "north-admin" }
  },
  "DELETE /api/admin/devices/:tenant/:id/identities/:protocol": {
    roles: ["admin"],
    path: "/api/admin/devices/demo/alarm-000001/identities/dc09",
    acrossTenants: { path: "/api/admin/devices/north/n-alarm-000001/identities/dc09", as: "admin", owner: "north-admin" }
  },
  "GET /api/admin/plans": { roles: ["admin"], path: "/api/admin/plans" },
  "PUT /api/admin/plans/:id": {
    roles: ["admin"],
    path: "/api/admin/plans/plan-authz",
    body: planBody("demo"),
    acrossTenants: { path: "/api/admin/plans/plan-authz", body: planBody("north"), as: "admin", owner: "north-admin" }
  },
  "GET /api/admin/users": { roles: ["admin"], path: "/api/admin/users" },
  "PUT /api/admin/users/:id": {
    roles: ["admin"],
    path: "/api/admin/users/user-authz-probe",
    body: userBody("demo"),
    acrossTenants: { path: "/api/admin/users/user-north-operator", body: { username: "north-operator", displayName: "North Operator", role: "operator", tenants: ["north"] }, as: "admin", owner: "north-admin" }
  }
}

const methodOf = (route: string) => route.split(" ")[0]!

/** An administrator of tenant north only, so north's records have someone who may change them. */
const seedNorthAdmin = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const hash = yield* Effect.promise(() => hashPassword(password))
  yield* sql`INSERT INTO users (id, username, display_name, role, tenants, password_hash)
    VALUES ('user-north-admin', 'north-admin', 'North Admin', 'admin', ARRAY['north'], ${hash}) ON CONFLICT (id) DO NOTHING`
})

layer(ConsoleTestLayer, { excludeTestServices: true, timeout: "60 seconds" })("authorisation on every route of the console API", (it) => {
  it("every route the API defines has a rule here, and every rule is a defined route", () => {
    expect([...definedRoutes].sort()).toEqual(Object.keys(rules).sort())
  })

  it.effect("every route but sign-in is 401 without a session and with a made-up token", () =>
    Effect.gen(function*() {
      for (const route of definedRoutes) {
        const rule = rules[route]!
        if (rule.open === true) continue
        const without = yield* call(methodOf(route), rule.path, rule.body !== undefined ? { body: rule.body } : {})
        expect([route, without.status]).toEqual([route, 401])
        const madeUp = yield* call(methodOf(route), rule.path, { token: "Z".repeat(43), ...(rule.body !== undefined ? { body: rule.body } : {}) })
        expect([route, madeUp.status]).toEqual([route, 401])
      }
      // The live stream is a plain route beside the API, behind the same rule.
      expect((yield* call("GET", "/api/stream")).status).toBe(401)
    }))

  it.effect("a role without the right gets 403, and a role with it does not", () =>
    Effect.gen(function*() {
      const tokens = {
        operator: (yield* signIn("operator")).token,
        supervisor: (yield* signIn("supervisor")).token,
        admin: (yield* signIn("admin")).token
      }
      for (const route of definedRoutes) {
        const rule = rules[route]!
        if (rule.open === true || rule.roles === undefined || methodOf(route) === "DELETE") continue
        for (const role of ["operator", "supervisor", "admin"] as const) {
          const answer = yield* call(methodOf(route), rule.path, { token: tokens[role], ...(rule.body !== undefined ? { body: rule.body } : {}) })
          if (rule.roles.includes(role)) expect([route, role, answer.status]).not.toEqual([route, role, 403])
          else expect([route, role, answer.status, answer.body?._tag]).toEqual([route, role, 403, "Forbidden"])
        }
      }
    }))

  it.effect("a tenant-scoped id of another tenant is 404, though the record is there for its own tenant", () =>
    Effect.gen(function*() {
      yield* seedNorthAdmin
      yield* openIncident("demo", demoIncident)
      yield* project("demo", demoIncident)
      yield* openIncident("north", northIncident)
      yield* project("north", northIncident)
      const tokens: Record<Who, string> = {
        operator: (yield* signIn("operator")).token,
        supervisor: (yield* signIn("supervisor")).token,
        admin: (yield* signIn("admin")).token,
        "north-operator": (yield* signIn("north-operator")).token,
        "north-admin": (yield* signIn("north-admin")).token
      }
      const scoped = definedRoutes.filter((r) => rules[r]!.acrossTenants !== undefined)
      expect(scoped.length).toBeGreaterThanOrEqual(15)
      for (const route of scoped) {
        const across = rules[route]!.acrossTenants!
        const body = across.body !== undefined ? { body: across.body } : {}
        const foreign = yield* call(methodOf(route), across.path, { token: tokens[across.as], ...body })
        expect([route, foreign.status]).toEqual([route, 404])
      }
      // Only now, so the commands above met an incident that could still be acted on.
      for (const route of scoped) {
        const across = rules[route]!.acrossTenants!
        const body = across.body !== undefined ? { body: across.body } : {}
        const own = yield* call(methodOf(route), across.path, { token: tokens[across.owner], ...body })
        expect([route, across.owner, [401, 403, 404].includes(own.status)]).toEqual([route, across.owner, false])
      }
      // Lists are scoped the same way.
      const demoQueue = yield* call("GET", "/api/incidents", { token: tokens.operator })
      expect(demoQueue.body.map((i: { tenant: string }) => i.tenant)).not.toContain("north")
      const northQueue = yield* call("GET", "/api/incidents", { token: tokens["north-operator"] })
      expect(northQueue.body.map((i: { tenant: string }) => i.tenant)).toEqual(expect.arrayContaining(["north"]))
      expect(northQueue.body.map((i: { tenant: string }) => i.tenant)).not.toContain("demo")
      const residents = yield* call("GET", "/api/admin/residents", { token: tokens.admin })
      expect(new Set(residents.body.map((r: { tenant: string }) => r.tenant))).toEqual(new Set(["demo"]))
      const devices = yield* call("GET", "/api/admin/devices", { token: tokens.admin })
      expect(devices.body.some((d: { tenant: string }) => d.tenant === "north")).toBe(false)
      const labels = yield* call("GET", "/api/resident-labels?ids=res-0001,n-res-0001", { token: tokens.operator })
      expect(labels.body.map((l: { id: string }) => l.id)).toEqual(["res-0001"])
      const users = yield* call("GET", "/api/admin/users", { token: tokens.admin })
      expect(users.body.map((u: { username: string }) => u.username)).not.toContain("north-operator")
    }))
})
