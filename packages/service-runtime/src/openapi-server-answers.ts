import { Schema } from "effect"
import { DefaultBodyLimitBytes } from "./body-limit.ts"
import { MaxPathParameterLength } from "./http-errors.ts"

/** The body limit's answer (`bodyLimit`), before any route runs. */
export const BodyTooLarge = Schema.Struct({
  error: Schema.String,
  limitBytes: Schema.Int
}).annotate({ identifier: "BodyTooLarge", description: "The request body is over the route's limit; nothing of it was used." })

/** The answer to a request no route takes (`RouteNotFoundAsJson`). */
export const RouteNotFound = Schema.Struct({
  error: Schema.String
}).annotate({ identifier: "RouteNotFound", description: `No route takes the request: a path segment over ${MaxPathParameterLength} characters.` })

/** Node's answer (`answerClientErrorsAsJson`) to a request whose headers, the URL among them, pass its 16 KiB limit. */
export const HeadersTooLarge = Schema.Struct({
  error: Schema.String
}).annotate({ identifier: "HeadersTooLarge", description: "The request line and headers are over the server's limit (16 KiB); the connection is closed." })

const componentOf = (schema: Schema.Top) => {
  const doc = Schema.toJsonSchemaDocument(schema)
  const name = (doc.schema.$ref as string).replace("#/$defs/", "")
  return [name, doc.definitions[name]!] as const
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })

/** Adds `schema` as one more body a response may carry. */
const withAlternative = (response: Record<string, any> | undefined, description: string, schema: Record<string, unknown>) => {
  if (response === undefined) return { description, content: { "application/json": { schema } } }
  const existing = response.content?.["application/json"]?.schema
  const alternatives = existing === undefined ? [schema] : Array.isArray(existing.anyOf) ? [...existing.anyOf, schema] : [existing, schema]
  return {
    ...response,
    description: `${response.description} | ${description}`,
    content: { ...response.content, "application/json": { schema: alternatives.length === 1 ? schema : { anyOf: alternatives } } }
  }
}

const carriesBody = new Set(["post", "put", "patch"])

/**
 * Declares in an OpenAPI document what the server (`ServiceHttp`) answers before any route runs,
 * so that the document holds every status a route can answer:
 * - 404 `RouteNotFound` on every operation with a path parameter: a parameter longer than
 *   `MaxPathParameterLength` matches no route;
 * - 431 `HeadersTooLarge` on every operation: a URL and headers over Node's 16 KiB;
 * - with `bodyLimit`, 413 `BodyTooLarge` on every operation whose method carries a body (bodies
 *   over `DefaultBodyLimitBytes`, for routes that do not read their bodies themselves).
 */
export const declareServerAnswers = (spec: Record<string, any>, options: { readonly bodyLimit: boolean }): Record<string, any> => {
  const paths: Record<string, any> = {}
  for (const [path, item] of Object.entries<Record<string, any>>(spec.paths ?? {})) {
    const hasPathParameter = /\{[^}]+\}/u.test(path)
    paths[path] = Object.fromEntries(Object.entries(item).map(([method, operation]) => {
      const responses = { ...operation.responses }
      if (hasPathParameter) responses["404"] = withAlternative(responses["404"], "No route takes the request", ref("RouteNotFound"))
      responses["431"] = withAlternative(responses["431"], "The request line and headers are over 16 KiB", ref("HeadersTooLarge"))
      if (options.bodyLimit && carriesBody.has(method)) {
        responses["413"] = withAlternative(responses["413"], `The body is over ${DefaultBodyLimitBytes / 1024} KiB`, ref("BodyTooLarge"))
      }
      return [method, { ...operation, responses }]
    }))
  }
  const components = Object.fromEntries([RouteNotFound, HeadersTooLarge, ...(options.bodyLimit ? [BodyTooLarge] : [])].map(componentOf))
  return { ...spec, paths, components: { ...spec.components, schemas: { ...spec.components?.schemas, ...components } } }
}
