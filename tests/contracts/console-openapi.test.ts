// The console's OpenAPI document (GET /api/openapi.json) tells the truth about the server: every
// route called with bad input answers a status the document declares, with a JSON body that
// matches the schema declared for it; the document is valid per two validators we did not write,
// spells numbers as numbers only, and describes the live stream.
import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { ServiceHttp } from "@wt/service-runtime"
import { ConsoleTestLayer, openIncident, signIn } from "../../services/console/src/console-fixture.ts"
import { openStream } from "../support/sse.ts"
import {
  answerChecker,
  componentValidator,
  documentProblems,
  fillPath,
  fittingValue,
  type Method,
  nonFiniteNumberSchemas,
  type OpenApiDocument,
  type Operation,
  operationsOf,
  resolveSchema,
  unfittingValue
} from "../support/openapi.ts"

interface BadRequest {
  readonly label: string
  readonly path: string
  readonly query?: string
  readonly headers: Record<string, string>
  readonly body?: string
  /** The document must make this answer an `InvalidRequest` 400 (the finding: empty 400s). */
  readonly mustBeInvalidRequest?: boolean
}

const sendsBody = (method: Method) => method === "post" || method === "put" || method === "patch"

/** Bad inputs for one operation, each alone, the rest of the request as it should be. */
const badRequestsFor = (doc: OpenApiDocument, template: string, method: Method, operation: Operation, token: string): ReadonlyArray<BadRequest> => {
  const parameters = operation.parameters ?? []
  const fitting = Object.fromEntries(parameters.filter((p) => p.in === "path").map((p) => [p.name, fittingValue(resolveSchema(doc, p.schema))]))
  const path = fillPath(template, fitting)
  const auth = { authorization: `Bearer ${token}` }
  const json = { ...auth, "content-type": "application/json" }
  const requiredQuery = parameters.filter((p) => p.in === "query" && p.required)
  const query = requiredQuery.map((p) => `${p.name}=${encodeURIComponent(fittingValue(resolveSchema(doc, p.schema)))}`).join("&")
  const body = operation.requestBody === undefined ? undefined : "{}"
  const base = { path, ...(query === "" ? {} : { query }), headers: sendsBody(method) ? json : auth, ...(body === undefined ? {} : { body }) }
  const out: Array<BadRequest> = [
    { ...base, label: "no credentials", headers: sendsBody(method) ? { "content-type": "application/json" } : {} },
    { ...base, label: "a made-up token", headers: { ...base.headers, authorization: "Bearer made-up-token" } }
  ]
  for (const p of parameters.filter((p) => p.in === "path")) {
    const bad = unfittingValue(resolveSchema(doc, p.schema))
    if (bad !== undefined) out.push({ ...base, label: `path parameter ${p.name} = ${JSON.stringify(bad.slice(0, 20))}`, path: fillPath(template, { ...fitting, [p.name]: bad }), mustBeInvalidRequest: true })
  }
  // PostgreSQL can neither store nor compare U+0000: a NUL that reached it was a 500 with an empty body.
  for (const p of parameters.filter((p) => p.in === "path")) {
    out.push({ ...base, label: `path parameter ${p.name} with U+0000`, path: fillPath(template, { ...fitting, [p.name]: "a\u0000b" }) })
  }
  for (const p of parameters.filter((p) => p.in === "query")) {
    out.push({ ...base, label: `query ${p.name} with U+0000`, query: [query, `${p.name}=a%00b`].filter((q) => q !== "").join("&") })
  }
  if (template === "/api/session" && method === "post") {
    out.push({ ...base, label: "a sign-in name with U+0000", body: JSON.stringify({ username: "operator\u0000", password: "x" }), mustBeInvalidRequest: true })
  }
  for (const p of parameters.filter((p) => p.in === "query")) {
    out.push({ ...base, label: `query ${p.name} given twice`, query: [query, `${p.name}=a`, `${p.name}=b`].filter((q) => q !== "").join("&") })
    const bad = unfittingValue(resolveSchema(doc, p.schema))
    if (bad !== undefined) out.push({ ...base, label: `query ${p.name} = ${JSON.stringify(bad.slice(0, 20))}`, query: [query, `${p.name}=${encodeURIComponent(bad)}`].filter((q) => q !== "").join("&") })
  }
  for (const p of requiredQuery) {
    out.push({ ...base, label: `query ${p.name} missing`, query: requiredQuery.filter((q) => q !== p).map((q) => `${q.name}=x`).join("&"), mustBeInvalidRequest: true })
  }
  if (operation.requestBody !== undefined) {
    out.push(
      { ...base, label: "a body that is not JSON", body: "{\"not json", mustBeInvalidRequest: true },
      { ...base, label: "an empty body", body: "", mustBeInvalidRequest: true },
      { ...base, label: "a JSON array for an object", body: "[1,2]", mustBeInvalidRequest: true },
      { ...base, label: "a property the schema does not name", body: JSON.stringify({ notInTheSchema: true }), mustBeInvalidRequest: true },
      { ...base, label: "a prototype key", body: "{\"__proto__\":{\"admin\":true},\"constructor\":{\"prototype\":{}}}", mustBeInvalidRequest: true },
      { ...base, label: "a string for an object", body: "\"x\"", mustBeInvalidRequest: true }
    )
  }
  if (sendsBody(method)) {
    out.push(
      { ...base, label: "text/plain (a cross-site form)", headers: { ...auth, "content-type": "text/plain" }, body: base.body ?? "{}" },
      { ...base, label: "a body over the 64 KiB limit", body: JSON.stringify({ text: "x".repeat(70 * 1024) }) }
    )
  }
  return out
}

layer(ConsoleTestLayer, { excludeTestServices: true, timeout: "120 seconds" })("console OpenAPI document against the server", (it) => {
  const served = Effect.gen(function*() {
    const { url } = yield* ServiceHttp
    const response = yield* Effect.promise(() => fetch(`${url}/api/openapi.json`))
    expect(response.status).toBe(200)
    return (yield* Effect.promise(() => response.json())) as OpenApiDocument
  })

  it.effect("the served document is valid per swagger-parser and openapi-schema-validator, numbers are numbers, and the stream is described", () =>
    Effect.gen(function*() {
      const doc = yield* served
      expect(yield* Effect.promise(() => documentProblems(doc))).toEqual([])
      // Schema.Number's JSON Schema admitted "NaN", "Infinity", "-Infinity" (19 schemas, e.g. ConfirmedAddress.lat).
      expect(nonFiniteNumberSchemas(doc)).toEqual([])
      const stream = doc.paths["/api/stream"]?.get
      expect(stream?.responses["200"]?.content?.["text/event-stream"]).toBeDefined()
      expect(Object.keys(stream?.responses ?? {}).sort()).toEqual(["200", "401", "431"])
      // Every operation that takes input declares its 400 with a JSON body (the finding: none of the 8 with a body did).
      for (const { path, method, operation } of operationsOf(doc)) {
        const takesInput = operation.requestBody !== undefined || (operation.parameters ?? []).length > 0
        if (path === "/api/stream") continue
        expect(operation.responses["400"] !== undefined, `${method} ${path} declares 400`).toBe(takesInput)
        if (takesInput) expect(operation.responses["400"]?.content?.["application/json"], `${method} ${path} 400 body`).toBeDefined()
      }
    }))

  it.effect("every route, called with bad input, answers a declared status with a JSON body matching the declared schema", () =>
    Effect.gen(function*() {
      const doc = yield* served
      const { url } = yield* ServiceHttp
      const check = answerChecker(doc)
      const admin = yield* signIn("admin")
      const problems: Array<string> = []
      let calls = 0
      for (const { path, method, operation } of operationsOf(doc)) {
        if (path === "/api/stream") continue
        // Signing out would end the session the other calls use; it is tried with made-up credentials only.
        const token = path === "/api/session" && method === "delete" ? "made-up-token" : admin.token
        for (const bad of badRequestsFor(doc, path, method, operation, token)) {
          const target = `${url}${bad.path}${bad.query === undefined ? "" : `?${bad.query}`}`
          const response = yield* Effect.promise(() =>
            fetch(target, { method: method.toUpperCase(), headers: bad.headers, ...(bad.body === undefined ? {} : { body: bad.body }) }))
          const text = yield* Effect.promise(() => response.text())
          calls++
          const answer = { status: response.status, contentType: response.headers.get("content-type") ?? undefined, text }
          for (const p of check(path, method, answer)) problems.push(`${bad.label}: ${p}`)
          if (response.status >= 500) problems.push(`${bad.label}: ${method.toUpperCase()} ${bad.path} answered ${response.status}`)
          if (bad.mustBeInvalidRequest === true && !(response.status === 400 && text.includes("\"InvalidRequest\""))) {
            problems.push(`${bad.label}: ${method.toUpperCase()} ${bad.path} answered ${response.status} ${text.slice(0, 200)}, not a 400 InvalidRequest`)
          }
        }
      }
      expect(problems).toEqual([])
      expect(calls).toBeGreaterThan(200)
    }))

  it.effect("an InvalidRequest names the problem: the part of the request, the field and why", () =>
    Effect.gen(function*() {
      const { url } = yield* ServiceHttp
      const operator = yield* signIn("operator")
      const post = (path: string, body: string) =>
        Effect.promise(async () => {
          const r = await fetch(`${url}${path}`, { method: "POST", headers: { authorization: `Bearer ${operator.token}`, "content-type": "application/json" }, body })
          return { status: r.status, body: await r.json() as { _tag: string; message: string; issues: ReadonlyArray<{ path: ReadonlyArray<string | number>; message: string }> } }
        })
      const wrongType = yield* post("/api/incidents/inc-1/note", JSON.stringify({ text: 42 }))
      expect(wrongType.status).toBe(400)
      expect(wrongType.body._tag).toBe("InvalidRequest")
      expect(wrongType.body.issues).toContainEqual({ path: ["body", "text"], message: expect.stringContaining("string") })
      const unknown = yield* post("/api/incidents/inc-1/note", JSON.stringify({ text: "ok", txet: "typo" }))
      expect(unknown.body.issues.map((i) => i.path)).toContainEqual(["body", "txet"])
      const notJson = yield* post("/api/incidents/inc-1/note", "{")
      expect(notJson.body.message).toMatch(/JSON/u)
      const badId = yield* post("/api/incidents/bad%20id/claim", "{}")
      expect(badId.status).toBe(400)
      expect(badId.body.issues[0]?.path).toEqual(["path", "id"])
    }))

  it.effect("the live stream answers as the document says: 401 as JSON, 200 as server-sent events whose data match their schemas", () =>
    Effect.gen(function*() {
      const doc = yield* served
      const { url } = yield* ServiceHttp
      const check = answerChecker(doc)
      const unsigned = yield* Effect.promise(async () => {
        const r = await fetch(`${url}/api/stream`)
        return { status: r.status, contentType: r.headers.get("content-type") ?? undefined, text: await r.text() }
      })
      expect(check("/api/stream", "get", unsigned)).toEqual([])
      expect(unsigned.status).toBe(401)

      const operator = yield* signIn("operator")
      const events = (doc.paths["/api/stream"]!.get as unknown as { responses: Record<string, { content: Record<string, { "x-sse-events": Record<string, { data: { $ref: string } }> }> }> })
        .responses["200"]!.content["text/event-stream"]!["x-sse-events"]
      const stream = yield* openStream(`${url}/api/stream`, operator.token)
      yield* openIncident("demo", "openapi-stream-1", { priority: "P2" })
      const arrived = yield* Effect.promise(async () => {
        for (let i = 0; i < 100 && !stream.events.some((e) => e.event === "incident"); i++) await new Promise((r) => setTimeout(r, 50))
        return stream.events.filter((e) => e.event === "incident")
      })
      stream.close()
      expect(arrived.length).toBeGreaterThan(0)
      const validate = componentValidator(doc, events.incident!.data.$ref.split("/").pop()!)
      for (const event of arrived) expect(validate(event.data)).toBeUndefined()
    }))
})
