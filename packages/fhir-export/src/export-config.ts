import { Schema } from "effect"
import { DefaultOwnBase } from "./code-systems.ts"

/**
 * What the export needs to know that the audit trail does not say: the base of our own
 * canonical URLs, the response centre and each tenant's municipality as organisations
 * (with their organisation numbers), the installation's network name (BALP's agents
 * need one; the trail records which service acted, not on which host), and, when a
 * municipality supplies them, residents' national identity numbers. The trail itself
 * holds ids only, never personal data.
 */

/** A Norwegian organisation number: 9 digits, the last a modulus-11 check digit (Enhetsregisteret). */
export const isOrganisationNumber = (value: string): boolean => {
  if (!/^\d{9}$/u.test(value)) return false
  const weights = [3, 2, 7, 6, 5, 4, 3, 2]
  const sum = weights.reduce((s, w, i) => s + w * Number(value[i]), 0)
  const check = 11 - (sum % 11)
  return check !== 10 && (check === 11 ? 0 : check) === Number(value[8])
}

/** A fødselsnummer or D-nummer: 11 digits whose last two are modulus-11 check digits. */
export const isNationalIdentityNumber = (value: string): boolean => {
  if (!/^\d{11}$/u.test(value)) return false
  const digit = (weights: ReadonlyArray<number>) => {
    const sum = weights.reduce((s, w, i) => s + w * Number(value[i]), 0)
    const check = 11 - (sum % 11)
    return check === 11 ? 0 : check
  }
  const k1 = digit([3, 7, 6, 1, 8, 9, 4, 5, 2])
  const k2 = digit([5, 4, 3, 2, 7, 6, 5, 4, 3, 2])
  return k1 !== 10 && k2 !== 10 && k1 === Number(value[9]) && k2 === Number(value[10])
}

/** A D-nummer has 4 added to the first digit of the birth date. */
export const isDNumber = (value: string): boolean => isNationalIdentityNumber(value) && Number(value[0]) >= 4

const OrganisationNumber = Schema.String.check(
  Schema.makeFilter((s: string) => isOrganisationNumber(s) || "an organisation number: 9 digits with a valid check digit")
)

const Organisation = Schema.Struct({
  name: Schema.String.check(Schema.isMinLength(1)),
  orgNumber: Schema.optionalKey(OrganisationNumber)
})
export type Organisation = typeof Organisation.Type

/** The configuration file of `wt fhir export --config <file>` (JSON). */
export const FhirExportConfigFile = Schema.Struct({
  /** Base of our own CodeSystem, extension and NamingSystem URLs. */
  ownBase: Schema.optionalKey(Schema.String.check(Schema.isPattern(/^https?:\/\/\S+$/u))),
  centre: Schema.optionalKey(Schema.Struct({
    name: Schema.String.check(Schema.isMinLength(1)),
    orgNumber: Schema.optionalKey(OrganisationNumber),
    /** The installation's host name (BALP agent network, type 1 machine name). */
    host: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1)))
  })),
  /** Each tenant's municipality. */
  municipalities: Schema.optionalKey(Schema.Record(Schema.String, Organisation)),
  /** Resident id → national identity number, per tenant, as a municipality hands them over. */
  nationalIds: Schema.optionalKey(Schema.Record(Schema.String, Schema.Record(Schema.String, Schema.String)))
}).annotate({ identifier: "FhirExportConfigFile" })
export type FhirExportConfigFile = typeof FhirExportConfigFile.Type

export interface FhirExportConfig {
  readonly ownBase: string
  readonly centre: { readonly name: string; readonly orgNumber?: string; readonly host: string }
  readonly municipalities: Readonly<Record<string, Organisation>>
  /** The resident's national identity number, when known. */
  readonly nationalId: (tenant: string, residentId: string) => string | undefined
  /** Use the code-table editions in force at this instant instead of each event's time. */
  readonly codeTablesAt?: string
}

/** Thrown by {@link resolveConfig} for a national id that is not one. */
export class InvalidNationalId extends Schema.TaggedError<InvalidNationalId>()("InvalidNationalId", {
  tenant: Schema.String,
  residentId: Schema.String
}) {
  override get message() {
    return `the national id given for resident ${this.residentId} of ${this.tenant} is not a valid fødselsnummer or D-nummer`
  }
}

/** The configuration with defaults filled in; national ids are checked so none goes out malformed. */
export const resolveConfig = (file: FhirExportConfigFile, defaults: { readonly host: string; readonly codeTablesAt?: string }): FhirExportConfig => {
  const ids = file.nationalIds ?? {}
  for (const [tenant, byResident] of Object.entries(ids)) {
    for (const [residentId, value] of Object.entries(byResident)) {
      if (!isNationalIdentityNumber(value)) throw new InvalidNationalId({ tenant, residentId })
    }
  }
  return {
    ownBase: file.ownBase ?? DefaultOwnBase,
    centre: {
      name: file.centre?.name ?? "welfare-technology response centre",
      ...(file.centre?.orgNumber === undefined ? {} : { orgNumber: file.centre.orgNumber }),
      host: file.centre?.host ?? defaults.host
    },
    municipalities: file.municipalities ?? {},
    nationalId: (tenant, residentId) => {
      const byResident = Object.hasOwn(ids, tenant) ? ids[tenant] : undefined
      return byResident !== undefined && Object.hasOwn(byResident, residentId) ? byResident[residentId] : undefined
    },
    ...(defaults.codeTablesAt === undefined ? {} : { codeTablesAt: defaults.codeTablesAt })
  }
}

/** Defaults only: our base, no organisation numbers, no national ids. */
export const defaultConfig = (host: string): FhirExportConfig => resolveConfig({}, { host })
