import { Schema } from "effect"
import { DefaultBodyLimitBytes } from "@wt/service-runtime"

/** The answer of the server's body limit (service-runtime's `bodyLimit`), before any route runs. */
export const BodyTooLarge = Schema.Struct({
  error: Schema.String,
  limitBytes: Schema.Int
}).annotate({ identifier: "BodyTooLarge", description: "The request body is over the route's limit; nothing of it was used." })

const carriesBody = new Set(["post", "put", "patch"])

/**
 * Declares the 413 every route with a body can answer: bodies over 64 KiB
 * (`DefaultBodyLimitBytes`) are refused by the server before the route sees them.
 */
export const declareBodyLimit = (spec: Record<string, any>): Record<string, any> => {
  const paths: Record<string, any> = {}
  for (const [path, item] of Object.entries<Record<string, any>>(spec.paths ?? {})) {
    paths[path] = Object.fromEntries(Object.entries(item).map(([method, operation]) =>
      carriesBody.has(method)
        ? [method, {
          ...operation,
          responses: {
            ...operation.responses,
            "413": {
              description: `The body is over ${DefaultBodyLimitBytes / 1024} KiB`,
              content: { "application/json": { schema: { $ref: "#/components/schemas/BodyTooLarge" } } }
            }
          }
        }]
        : [method, operation]
    ))
  }
  return { ...spec, paths }
}
