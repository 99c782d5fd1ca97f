import { Context, Effect, Layer, SchemaIssue } from "effect"
import { HttpServerRequest } from "effect/http"
import { type HttpApi, type HttpApiEndpoint, type HttpApiGroup, HttpApiMiddleware } from "effect/http-api"
import { InvalidRequest } from "./api-errors.ts"
import { JsonOnly, RequestValidation } from "./api-middleware.ts"

const formatIssues = SchemaIssue.makeFormatterStandardSchemaV1()

/** What each part of a request is called in an answer. */
const parts = { Params: "path", Query: "query", Headers: "headers", Payload: "body" } as const

/** Answers stay small whatever was sent: a message quotes at most this much of the input. */
const MaxMessage = 300
const MaxIssues = 20

const clip = (text: string) => (text.length > MaxMessage ? `${text.slice(0, MaxMessage)}…` : text)

const segment = (segment: PropertyKey | { readonly key: PropertyKey }): string | number => {
  const key = typeof segment === "object" ? segment.key : segment
  return typeof key === "number" ? key : clip(String(key))
}

const toInvalidRequest = HttpApiMiddleware.layerSchemaErrorTransform(RequestValidation, (error) => {
  if (error.kind === "Body" || error.kind === "ResponseHeaders") return Effect.fail(error)
  const part = parts[error.kind]
  const issues = formatIssues(error.cause.issue).issues.slice(0, MaxIssues).map((issue) => ({
    path: [part, ...(issue.path ?? []).map(segment)],
    message: clip(issue.message)
  }))
  const first = issues[0]
  const where = first === undefined || first.path.length === 1 ? `the request ${part}` : `${first.path.slice(1).map((p) => JSON.stringify(p)).join(".")} in the request ${part}`
  return Effect.fail(new InvalidRequest({ message: `${where} does not fit: ${first?.message ?? "invalid"}`, issues }))
})

/**
 * PostgreSQL can neither store nor compare U+0000, so a NUL in a path parameter or query reached
 * it as a 500 with an empty body; refused here for every route that takes input, whatever its
 * schema says of the value.
 */
const nulInUrl = new InvalidRequest({
  message: "the request path or query does not fit: it must not contain U+0000 (%00)",
  issues: [{ path: ["path"], message: "must not contain U+0000" }]
})

/**
 * `RequestValidation`: a request that does not decode is answered 400 with what is wrong where.
 * A response that does not encode (a server bug) is left to HttpApi, which reports it as a 500.
 */
export const RequestValidationLive = Layer.effect(
  RequestValidation,
  Effect.gen(function*() {
    const transform = yield* Effect.gen(function*() {
      return yield* RequestValidation
    }).pipe(Effect.provide(toInvalidRequest))
    return RequestValidation.of((httpEffect, options) =>
      Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
        /%00/iu.test(request.url) ? Effect.fail(nulInUrl) : transform(httpEffect, options)))
  })
)

const takesInput = (endpoint: HttpApiEndpoint.Top): boolean =>
  endpoint.params !== undefined || endpoint.query !== undefined || endpoint.headers !== undefined || endpoint.payload.size > 0

/** The methods `JsonOnly` checks (see authentication.ts): only they can be answered 415. */
const sendsBody = (endpoint: HttpApiEndpoint.Top): boolean => ["POST", "PUT", "PATCH"].includes(endpoint.method)

/**
 * The API with each endpoint's middleware made exact, so that the OpenAPI document declares an
 * error status where, and only where, the route can answer it (call it once every group is added):
 * - `RequestValidation` (400 `InvalidRequest`) on every endpoint with a path parameter, query,
 *   headers or body to decode; an endpoint without input cannot answer 400;
 * - `JsonOnly` (415) kept only where the method carries a body: groups put it on all their
 *   endpoints, and a GET or DELETE is never refused for its content type.
 */
export const exactApi = <Id extends string, Groups extends HttpApiGroup.Constraint>(api: HttpApi.HttpApi<Id, Groups>): HttpApi.HttpApi<Id, Groups> => {
  const exact = api.middleware(RequestValidation) as unknown as HttpApi.Top
  for (const [name, group] of Object.entries(exact.groups) as Array<[string, HttpApiGroup.Top]>) {
    const original = (api.groups as unknown as Record<string, HttpApiGroup.Top>)[name]!
    const endpoints = Object.fromEntries(
      Object.entries(group.endpoints).map(([id, validated]) => {
        const endpoint = takesInput(validated) ? validated : original.endpoints[id]!
        if (sendsBody(endpoint) || !endpoint.middlewares.has(JsonOnly as never)) return [id, endpoint]
        // A fresh copy (annotateMerge makes one), so the group's own endpoint is left as it is.
        const copy = endpoint.annotateMerge(Context.empty())
        Object.assign(copy, { middlewares: new Set([...endpoint.middlewares].filter((m) => m !== (JsonOnly as never))) })
        return [id, copy]
      })
    )
    // `group` was made fresh by `middleware` above: nothing else holds it.
    Object.assign(group, { endpoints })
  }
  return exact as unknown as HttpApi.HttpApi<Id, Groups>
}
