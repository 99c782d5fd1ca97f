import { createHash } from "node:crypto"
import type { Actor, AuditEntry } from "@wt/contracts"

export type ConfigEntity = "resident" | "contacts" | "device" | "response_plan" | "user"

/** Stable JSON (keys sorted), so equal values always digest alike. */
const canonical = (value: unknown): string =>
  value === undefined
    ? "null"
    : Array.isArray(value)
    ? `[${value.map(canonical).join(",")}]`
    : typeof value === "object" && value !== null
    ? `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(",")}}`
    : JSON.stringify(value)

const digest = (value: unknown) => `sha256:${createHash("sha256").update(canonical(value)).digest("hex")}`

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
   * addresses, health notes, key codes) may not: the entry then names the changed fields and
   * carries a digest of each value before and after, which proves what changed against the
   * registry without putting personal data into the audit trail.
   */
  readonly disclose: boolean
}

/** A `config_change` audit entry: who changed what, when, and each changed field before and after. */
export const configChangeEntry = (change: ConfigChange): AuditEntry => {
  const fields = changedFields(change.before, change.after)
  const show = (record: Record<string, unknown> | undefined) =>
    record === undefined ? null : Object.fromEntries(fields.map((f) => [f, change.disclose ? record[f] ?? null : digest(record[f])]))
  return {
    id: change.id,
    tenant: change.tenant,
    kind: "config_change",
    at: change.at,
    actor: change.actor,
    subject: change.subject,
    summary: `${change.entity} ${change.entityId} ${change.before === undefined ? "created" : fields.length === 0 ? "saved unchanged" : `changed: ${fields.join(", ")}`}`,
    data: { entity: change.entity, entityId: change.entityId, created: change.before === undefined, fields, before: show(change.before), after: show(change.after) }
  }
}
