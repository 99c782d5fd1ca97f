// An OpenAPI 3.1 document as a test oracle: checked by two validators we did not write, and used
// to say whether an answer (status, content type, body) is one the document declares.
import SwaggerParser from "@apidevtools/swagger-parser"
import { Validator } from "@seriousme/openapi-schema-validator"
import { Ajv2020 } from "ajv/dist/2020.js"

export type OpenApiDocument = {
  readonly openapi: string
  readonly paths: Record<string, Record<string, Operation>>
  readonly components?: Record<string, unknown>
  readonly [key: string]: unknown
}

export interface Parameter {
  readonly name: string
  readonly in: "path" | "query" | "header" | "cookie"
  readonly required?: boolean
  readonly schema?: Record<string, unknown>
}

export interface Operation {
  readonly operationId?: string
  readonly parameters?: ReadonlyArray<Parameter>
  readonly requestBody?: { readonly content: Record<string, { readonly schema?: Record<string, unknown> }> }
  readonly responses: Record<string, { readonly content?: Record<string, { readonly schema?: unknown }> }>
  readonly security?: ReadonlyArray<Record<string, ReadonlyArray<string>>>
}

export const Methods = ["get", "put", "post", "delete", "patch"] as const
export type Method = (typeof Methods)[number]

/** Every operation of the document, with its path template and method. */
export const operationsOf = (doc: OpenApiDocument): ReadonlyArray<{ readonly path: string; readonly method: Method; readonly operation: Operation }> =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Methods.filter((m) => item[m] !== undefined).map((method) => ({ path, method, operation: item[method]! })))

/**
 * What the two validators the finding used say of the document: `@apidevtools/swagger-parser`
 * (which also resolves every `$ref`) and `@seriousme/openapi-schema-validator` (the OpenAPI
 * 3.1 JSON Schema). Empty when both accept it.
 */
export const documentProblems = async (doc: OpenApiDocument): Promise<ReadonlyArray<string>> => {
  const problems: Array<string> = []
  try {
    await SwaggerParser.validate(structuredClone(doc) as never)
  } catch (e) {
    problems.push(`swagger-parser: ${e instanceof Error ? e.message : String(e)}`)
  }
  const validator = new Validator()
  const result = await validator.validate(structuredClone(doc) as never)
  if (!result.valid) problems.push(`openapi-schema-validator: ${JSON.stringify(result.errors).slice(0, 2000)}`)
  return problems
}

/** Where a document says nothing about a number's spelling it must not allow Effect's "NaN" strings. */
export const nonFiniteNumberSchemas = (doc: unknown): ReadonlyArray<string> => {
  const found: Array<string> = []
  const walk = (value: unknown, at: string) => {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${at}/${i}`))
    else if (typeof value === "object" && value !== null) {
      const enumeration = (value as { enum?: unknown }).enum
      if (Array.isArray(enumeration) && enumeration.some((e) => e === "NaN" || e === "Infinity" || e === "-Infinity")) found.push(at)
      for (const [key, v] of Object.entries(value)) walk(v, `${at}/${key}`)
    }
  }
  walk(doc, "")
  return found
}

export interface Answer {
  readonly status: number
  readonly contentType: string | undefined
  /** The raw body. */
  readonly text: string
}

const pointer = (...segments: ReadonlyArray<string>) => segments.map((s) => s.replaceAll("~", "~0").replaceAll("/", "~1")).join("/")

/**
 * Checks answers against the document. A problem is: a status the operation does not declare;
 * an error (4xx, 5xx) without a JSON body; a body whose content type the status does not declare,
 * or that does not match the declared schema (Ajv, JSON Schema 2020-12, as OpenAPI 3.1 uses).
 */
export const answerChecker = (doc: OpenApiDocument) => {
  const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: false })
  ajv.addSchema(doc as never, "openapi")
  const compiled = new Map<string, ReturnType<typeof ajv.compile>>()
  const validatorFor = (path: string, method: string, status: string, contentType: string) => {
    const ref = `openapi#/${pointer("paths", path, method, "responses", status, "content", contentType, "schema")}`
    let validate = compiled.get(ref)
    if (validate === undefined) {
      validate = ajv.compile({ $ref: ref })
      compiled.set(ref, validate)
    }
    return validate
  }
  return (path: string, method: Method, answer: Answer): ReadonlyArray<string> => {
    const operation = doc.paths[path]?.[method]
    if (operation === undefined) return [`${method.toUpperCase()} ${path} is not in the document`]
    const status = String(answer.status)
    const declared = operation.responses[status] !== undefined ? status : operation.responses.default !== undefined ? "default" : undefined
    const where = `${method.toUpperCase()} ${path} ${status}`
    if (declared === undefined) return [`${where}: status not declared (declared: ${Object.keys(operation.responses).join(", ")}); body ${answer.text.slice(0, 300)}`]
    const content = operation.responses[declared]!.content
    const mediaType = answer.contentType?.split(";")[0]?.trim().toLowerCase()
    if (answer.status >= 400 && (mediaType !== "application/json" || answer.text === "")) {
      return [`${where}: an error without a JSON body (content-type ${answer.contentType ?? "none"}, ${answer.text.length} bytes)`]
    }
    if (content === undefined) return answer.text === "" ? [] : [`${where}: declares no body but answered ${answer.text.slice(0, 200)}`]
    if (mediaType === undefined || content[mediaType] === undefined) {
      return [`${where}: content type ${answer.contentType ?? "none"} not declared (declared: ${Object.keys(content).join(", ")})`]
    }
    if (mediaType !== "application/json") return []
    let body: unknown
    try {
      body = JSON.parse(answer.text)
    } catch {
      return [`${where}: body is not JSON: ${answer.text.slice(0, 200)}`]
    }
    const validate = validatorFor(path, method, declared, mediaType)
    return validate(body) ? [] : [`${where}: body does not match the declared schema: ${ajv.errorsText(validate.errors)}; body ${answer.text.slice(0, 300)}`]
  }
}

/** A validator for one component schema of the document (e.g. the data of a server-sent event). */
export const componentValidator = (doc: OpenApiDocument, name: string) => {
  const ajv = new Ajv2020({ strict: false, validateFormats: false })
  ajv.addSchema(doc as never, "openapi")
  const validate = ajv.compile({ $ref: `openapi#/components/schemas/${pointer(name)}` })
  return (value: unknown): string | undefined => (validate(value) ? undefined : ajv.errorsText(validate.errors))
}

/** A path template with its parameters filled in (each URI-encoded). */
export const fillPath = (template: string, values: Readonly<Record<string, string>>) =>
  template.replace(/\{([^}]+)\}/gu, (_, name: string) => encodeURIComponent(values[name] ?? "x"))

/** A value that fits a parameter's schema, as far as a test needs one: its first enum value, else a plain id. */
export const fittingValue = (schema: Record<string, unknown> | undefined): string => {
  const enumeration = schema?.enum
  if (Array.isArray(enumeration) && enumeration.length > 0) return String(enumeration[0])
  return "probe-1"
}

/** A value its schema refuses, where it can refuse one (an enum, a pattern, a length); undefined where any string fits. */
export const unfittingValue = (schema: Record<string, unknown> | undefined): string | undefined => {
  if (schema === undefined) return undefined
  if (Array.isArray(schema.enum)) return "not-one-of-them"
  if (typeof schema.pattern === "string") return "bad id!"
  if (typeof schema.maxLength === "number") return "x".repeat(schema.maxLength + 1)
  return undefined
}

/** A schema with its `$ref`s into the document's components followed (at its top). */
export const resolveSchema = (doc: OpenApiDocument, schema: unknown): Record<string, unknown> | undefined => {
  let current = schema as Record<string, unknown> | undefined
  for (let hops = 0; hops < 10 && typeof current?.$ref === "string"; hops++) {
    const name = (current.$ref as string).replace(/^#\/components\/schemas\//u, "")
    current = (doc.components as { schemas?: Record<string, Record<string, unknown>> } | undefined)?.schemas?.[name]
  }
  return current
}
