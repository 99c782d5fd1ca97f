import type { SchemaAST } from "effect"

/**
 * How the HTTP APIs decode a request body: every problem named, and a property the body's Schema
 * does not name refused, as their OpenAPI documents say (`additionalProperties: false`).
 */
export const ExactDecoding: SchemaAST.ParseOptions = { errors: "all", onExcessProperty: "error" }
