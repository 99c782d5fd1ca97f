import type { IncidentEvent } from "@wt/contracts"
import { Hl7CodeSystems, VkpProfiles } from "./code-systems.ts"
import { type ExportContext, isHuman } from "./export-context.ts"
import { coding, fhirId, fhirInstant, resourceUuid } from "./fhir-values.ts"

type ContactRecorded = Extract<IncidentEvent, { type: "contact_recorded" }>

/** A recorded conversation with the resident themself (the console's first suggestion for the party). */
export const isConversationWithResident = (event: IncidentEvent): event is ContactRecorded =>
  event.type === "contact_recorded" && /^(the )?resident$/iu.test(event.party.trim())

export const conversationId = (incidentId: string, index: number) => fhirId(`conversation-${incidentId}-${index}`)

/**
 * A conversation an operator had with the resident during an incident, as VKP-R4 records
 * a digital encounter (vkp-Encounter): virtual (v3 ActCode VR), two-way voice (the
 * national encounter mode) because of an event (the national encounter reason), with
 * the operator as participant. Its time is when the conversation was recorded, given as
 * the period's end as VKP asks when the start is not known. When the edition in force
 * has no encounter mode yet (before 2022-04-06) the Encounter is written without the
 * profile claim, since the profile requires the mode.
 */
export const conversationOf = (ctx: ExportContext, tenant: string, residentId: string, event: ContactRecorded, index: number) => {
  const at = fhirInstant(event.at) ?? ctx.fallbackTime
  const mode = ctx.national("encounterMode", "two_way_voice", at)
  const reason = ctx.national("encounterReason", "event_based", at)
  const id = conversationId(event.incidentId, index)
  return {
    resourceType: "Encounter" as const,
    id,
    ...(mode === undefined ? {} : { meta: { profile: [VkpProfiles.encounter] } }),
    identifier: [{ system: "urn:ietf:rfc:3986", value: `urn:uuid:${resourceUuid("Encounter", id)}` }],
    status: "finished" as const,
    class: coding(Hl7CodeSystems.actCode, "VR", "virtual"),
    subject: ctx.patient(tenant, residentId),
    participant: [{ ...(mode === undefined ? {} : { type: [{ coding: [mode] }] }), ...(isHuman(event.by) ? { individual: ctx.actor(event.by) } : {}) }],
    period: { end: at },
    ...(reason === undefined ? {} : { reasonCode: [{ coding: [reason] }] }),
    serviceProvider: ctx.centreOrganisation()
  }
}

export type FhirEncounter = ReturnType<typeof conversationOf>
