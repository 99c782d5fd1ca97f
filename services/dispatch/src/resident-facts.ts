import { Clock, Effect, Option } from "effect"
import type { Actor, ConfirmedAddress, HandoverAccess } from "@wt/contracts"
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
 * The resident's key-safe code, opened from its sealed form: only for handing it to the responder
 * holding a live call-out, after that release is audited (see responder-api.ts).
 */
export const openKeySafeCode = Effect.fn("Dispatch.openKeySafeCode")(function*(tenant: string, residentId: string) {
  const registry = yield* Registry
  return yield* registry.keySafeCode(tenant, residentId)
})

/**
 * Reads the resident's record for a call-out and audits the read (`record_view`, naming the
 * incident and why) before anything of it is used. By default the reader is the dispatch service
 * and `auditId` is deterministic per purpose, so a retried step does not audit twice; a read for
 * a responder names the responder and has an entry of its own each time.
 */
export const readResidentFacts = Effect.fn("Dispatch.readResidentFacts")(function*(input: {
  readonly tenant: string
  readonly residentId: string
  readonly incidentId: string
  readonly purpose: string
  readonly auditId: string
  readonly actor?: Actor
  readonly data?: unknown
}) {
  const registry = yield* Registry
  const record = yield* registry.resident(input.tenant, input.residentId)
  if (Option.isNone(record)) return Option.none<ResidentFacts>()
  const now = yield* Clock.currentTimeMillis
  yield* appendAuditEntry({
    id: input.auditId,
    tenant: input.tenant,
    kind: "record_view",
    at: new Date(now).toISOString(),
    actor: input.actor ?? { kind: "service", id: "dispatch" },
    subject: { residentId: input.residentId, incidentId: input.incidentId },
    summary: `resident record read by ${input.actor === undefined ? "dispatch" : `${input.actor.kind} ${input.actor.id}`} for incident ${input.incidentId}: ${input.purpose}`,
    ...(input.data !== undefined ? { data: input.data } : {})
  })
  return Option.some(factsOf(record.value, now))
})
