import type { Actor } from "@wt/contracts"
import { Hl7CodeSystems, NorwegianIdentifiers, ownTerms, type OwnTerms } from "./code-systems.ts"
import { CodeTables, type Concepts, type TableName } from "./code-tables.ts"
import { isDNumber, type FhirExportConfig } from "./export-config.ts"
import { coding, fhirString, identifier, type Reference, requiredString } from "./fhir-values.ts"

const HumanKinds: ReadonlySet<Actor["kind"]> = new Set(["operator", "supervisor", "admin", "responder"])

export const isHuman = (actor: Actor) => HumanKinds.has(actor.kind)

/** What our services are called in an AuditEvent. */
const ServiceNames: Readonly<Record<string, string>> = {
  gateway: "ingest gateway",
  receivers: "alarm protocol receivers",
  triage: "triage engine",
  dispatch: "dispatch service",
  console: "operator console",
  "console-web": "operator console in the browser",
  audit: "audit service",
  "wt-cli": "wt command line",
  "event-store": "event store (NATS JetStream)",
  registry: "registry database",
  "elock-grants": "e-lock access grants"
}

/**
 * Everything a resource builder needs besides the entry: our own URLs, the code tables
 * (with what they used), the organisations and how residents, people, devices and
 * services are referred to.
 */
export class ExportContext {
  readonly terms: OwnTerms
  readonly codes: CodeTables
  readonly config: FhirExportConfig
  readonly fallbackTime: string

  constructor(config: FhirExportConfig, fallbackTime: string) {
    this.config = config
    this.fallbackTime = fallbackTime
    this.terms = ownTerms(config.ownBase)
    this.codes = new CodeTables(config.codeTablesAt === undefined ? {} : { pinnedAt: config.codeTablesAt })
  }

  /** The national coding of a concept at an instant, versioned, or undefined when that edition has none. */
  national<T extends TableName>(table: T, concept: Concepts[T], at: string) {
    const found = this.codes.coding(table, concept, at)
    return found === undefined ? undefined : coding(found.system, found.code, found.display, found.version)
  }

  /**
   * The resident as VKP refers to a patient: by national identity number when the
   * municipality supplied one (fødselsnummer or D-nummer), else by our resident id.
   * No literal reference: the export carries no Patient resource to resolve.
   */
  patient(tenant: string, residentId: string): Reference {
    const nin = this.config.nationalId(tenant, residentId)
    return {
      type: "Patient",
      identifier: nin === undefined
        ? identifier(this.terms.identifiers.resident, residentId)
        : identifier(isDNumber(nin) ? NorwegianIdentifiers.dNumber : NorwegianIdentifiers.nationalIdentityNumber, nin)
    }
  }

  device(deviceId: string): Reference {
    const display = fhirString(deviceId)
    return { type: "Device", identifier: identifier(this.terms.identifiers.device, deviceId), ...(display === undefined ? {} : { display }) }
  }

  /** One of our services (or the browser side of the console) as a Device. */
  service(id: string): Reference {
    return {
      type: "Device",
      identifier: identifier(this.terms.identifiers.service, id),
      display: requiredString(Object.hasOwn(ServiceNames, id) ? ServiceNames[id]! : `service ${id}`, "service")
    }
  }

  /** Who acted: a person by their user id, a device, or one of our services. */
  actor(actor: Actor): Reference {
    if (actor.kind === "system") return this.device(actor.id)
    if (!isHuman(actor)) return this.service(actor.id)
    const display = fhirString(actor.name ?? "") ?? fhirString(`${actor.kind} ${actor.id}`)
    return {
      // Next of kin answer call-outs as responders with a `contact:` id; staff are practitioners.
      type: actor.kind === "responder" && actor.id.startsWith("contact:") ? "RelatedPerson" : "Practitioner",
      identifier: identifier(this.terms.identifiers.user, actor.id),
      ...(display === undefined ? {} : { display })
    }
  }

  /** The response centre's system: every AuditEvent's observer. */
  centreSystem(): Reference {
    return { type: "Device", identifier: identifier(this.terms.identifiers.service, "wt-response-centre"), display: requiredString(this.config.centre.name, "response centre") }
  }

  /** The response centre as an organisation: by organisation number when configured. */
  centreOrganisation(): Reference {
    const { name, orgNumber } = this.config.centre
    return {
      type: "Organization",
      ...(orgNumber === undefined ? {} : { identifier: identifier(NorwegianIdentifiers.organisationNumber, orgNumber) }),
      display: requiredString(name, "response centre")
    }
  }

  /** The tenant's municipality by organisation number, when configured. */
  municipality(tenant: string): Reference | undefined {
    const m = Object.hasOwn(this.config.municipalities, tenant) ? this.config.municipalities[tenant] : undefined
    if (m === undefined) return undefined
    return {
      type: "Organization",
      ...(m.orgNumber === undefined ? {} : { identifier: identifier(NorwegianIdentifiers.organisationNumber, m.orgNumber) }),
      display: requiredString(m.name, tenant)
    }
  }

  /** BALP agent network: the installation by host name (network type 1, machine name). */
  centreNetwork() {
    return { address: requiredString(this.config.centre.host, "localhost"), type: "1" as const }
  }

  ownCoding(system: keyof OwnTerms["codeSystems"], code: string, display?: string) {
    return coding(this.terms.codeSystems[system], code, display)
  }

  hl7(system: keyof typeof Hl7CodeSystems, code: string, display?: string) {
    return coding(Hl7CodeSystems[system], code, display)
  }
}
