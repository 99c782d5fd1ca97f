import { Effect, Option } from "effect"
import type { ConfirmedAddress, HandoverAccess } from "@wt/contracts"
import { appendAuditEntry } from "@wt/audit-log"
import { Registry, type ResidentRecord } from "@wt/registry"

/** What a call-out needs to know about the resident, read from the registry. */
export interface ResidentFacts {
  readonly record: ResidentRecord
  readonly criticalNotes: ReadonlyArray<string>
  readonly access: HandoverAccess
  readonly mobility: string
  /** Where the resident lives today: a temporary address valid today, else home. */
  readonly currentAddress: ConfirmedAddress | undefined
}

const today = (nowMs: number) => new Date(nowMs).toISOString().slice(0, 10)

export const factsOf = (record: ResidentRecord, nowMs: number): ResidentFacts => {
  const day = today(nowMs)
  const valid = record.addresses.filter((a) => Number.isFinite(a.lat) && Number.isFinite(a.lon))
  const temporary = valid.find((a) => a.kind === "temporary" && (a.validFrom ?? day) <= day && day <= (a.validTo ?? day))
  const chosen = temporary ?? valid.find((a) => a.kind === "home")
  const mobility = `${record.mobility}${record.dementia ? "; dementia" : ""}`
  return {
    record,
    criticalNotes: [
      ...record.healthNotes,
      ...(record.mobility !== "independent" ? [`mobility: ${record.mobility}`] : []),
      ...(record.dementia ? ["dementia"] : [])
    ],
    access: record.keyAccess.kind === "e_lock"
      ? { kind: "e_lock", lockId: record.keyAccess.lockId }
      : { kind: record.keyAccess.kind },
    mobility,
    currentAddress: chosen === undefined
      ? undefined
      : { kind: chosen.kind, street: chosen.street, postcode: chosen.postcode, city: chosen.city, lat: chosen.lat, lon: chosen.lon }
  }
}

/**
 * Reads the resident's record for a call-out and audits the read (`record_view` by the
 * dispatch service, naming the incident and why). `auditId` is deterministic per purpose,
 * so a retried step does not audit twice.
 */
export const readResidentFacts = Effect.fn("Dispatch.readResidentFacts")(function*(input: {
  readonly tenant: string
  readonly residentId: string
  readonly incidentId: string
  readonly purpose: string
  readonly auditId: string
}) {
  const registry = yield* Registry
  const record = yield* registry.resident(input.tenant, input.residentId)
  if (Option.isNone(record)) return Option.none<ResidentFacts>()
  const now = Date.now()
  yield* appendAuditEntry({
    id: input.auditId,
    tenant: input.tenant,
    kind: "record_view",
    at: new Date(now).toISOString(),
    actor: { kind: "service", id: "dispatch" },
    subject: { residentId: input.residentId, incidentId: input.incidentId },
    summary: `resident record read by dispatch for incident ${input.incidentId}: ${input.purpose}`
  })
  return Option.some(factsOf(record.value, now))
})
