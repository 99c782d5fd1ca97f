import { createHmac } from "node:crypto"
import { Redacted } from "effect"
import type { Actor, AuditEntry } from "@wt/contracts"
import type { AuditFieldKey } from "./config-change-key.ts"

export type ConfigEntity = "resident" | "contacts" | "device" | "device_identity" | "response_plan" | "user"

/**
 * Fields of which an entry says only that they changed. Their values come from sets
 * small enough to try whole (a four-digit key-safe code, yes or no for dementia, one of
 * four mobility levels), and they are the ones that hurt most if read: how to get into
 * a home, and health facts. A keyed digest would keep them safe only as long as the key.
 */
export const changedOnlyFields: Readonly<Record<ConfigEntity, ReadonlySet<string>>> = {
  resident: new Set(["keyAccess", "healthNotes", "dementia", "mobility", "gpsLegalBasis"]),
  contacts: new Set(),
  device: new Set(),
  // A DC-09 AES key: no form of a secret, not even a keyed digest, goes into the permanent trail.
  device_identity: new Set(["key"]),
  response_plan: new Set(),
  user: new Set(["password"])
}

/** Stable JSON (keys sorted), so equal values always digest alike. */
const canonical = (value: unknown): string =>
  value === undefined
    ? "null"
    : Array.isArray(value)
    ? `[${value.map(canonical).join(",")}]`
    : typeof value === "object" && value !== null
    ? `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(",")}}`
    : JSON.stringify(value)

/** The fields whose values differ between two versions of a record. */
export const changedFields = (before: Record<string, unknown> | undefined, after: Record<string, unknown>): Array<string> => {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after)])
  return [...keys].filter((k) => before === undefined || canonical(before[k]) !== canonical(after[k])).sort()
}

export interface ConfigChange {
  readonly id: string
  readonly tenant: string
  readonly at: string
  readonly actor: Actor
  readonly entity: ConfigEntity
  readonly entityId: string
  readonly subject: AuditEntry["subject"]
  readonly before: Record<string, unknown> | undefined
  readonly after: Record<string, unknown>
  /**
   * Whether the changed values may be written as they are. Residents' records (names,
   * addresses, contacts) may not: the entry then carries a keyed HMAC of each value before
   * and after (see {@link fieldMac}), which lets the key holder check a value against the
   * registry without putting personal data into the audit trail. Either way, the fields in
   * {@link changedOnlyFields} are only named.
   */
  readonly disclose: boolean
}

/**
 * HMAC-SHA256, under the field key, of the value together with the record and field it
 * belongs to: the same street in two residents' records, or in two fields, gives two
 * different digests, so entries cannot be matched up with each other either.
 */
export const fieldMac = (key: AuditFieldKey, change: Pick<ConfigChange, "tenant" | "entity" | "entityId">, field: string, value: unknown): string =>
  `hmac-sha256:${
    createHmac("sha256", Redacted.value(key.secret))
      .update(canonical(["wt.audit.config-field/v1", change.tenant, change.entity, change.entityId, field, value ?? null]))
      .digest("hex")
  }`

/**
 * A `config_change` audit entry: who changed what and when, which fields changed, and for
 * each changed field its value before and after (disclosed), their HMACs (not disclosed), or
 * nothing at all ({@link changedOnlyFields}: listed in `changedOnly`).
 */
export const configChangeEntry = (change: ConfigChange, key: AuditFieldKey): AuditEntry => {
  const fields = changedFields(change.before, change.after)
  const changedOnly = fields.filter((f) => changedOnlyFields[change.entity].has(f))
  const valued = fields.filter((f) => !changedOnlyFields[change.entity].has(f))
  const show = (record: Record<string, unknown> | undefined) =>
    record === undefined ? null : Object.fromEntries(valued.map((f) => [f, change.disclose ? record[f] ?? null : fieldMac(key, change, f, record[f])]))
  return {
    id: change.id,
    tenant: change.tenant,
    kind: "config_change",
    at: change.at,
    actor: change.actor,
    subject: change.subject,
    summary: `${change.entity} ${change.entityId} ${change.before === undefined ? "created" : fields.length === 0 ? "saved unchanged" : `changed: ${fields.join(", ")}`}`,
    data: {
      entity: change.entity,
      entityId: change.entityId,
      created: change.before === undefined,
      fields,
      changedOnly,
      values: change.disclose ? "disclosed" : "hmac-sha256",
      ...(change.disclose ? {} : { fieldKeyId: key.keyId }),
      before: show(change.before),
      after: show(change.after)
    }
  }
}
