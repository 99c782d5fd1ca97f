import { Effect } from "effect"
import { AuditEntry, Subjects } from "@wt/contracts"
import { publishEvent } from "@wt/nats"

/**
 * Appends an entry to WT_AUDIT on `wt.audit.<tenant>.<kind>`. The entry id is the
 * message id, so an entry written twice (a retry, a redelivery) is stored once.
 */
export const appendAuditEntry = Effect.fn("AuditLog.append")(function*(entry: AuditEntry) {
  return yield* publishEvent(Subjects.audit(entry.tenant, entry.kind), AuditEntry, entry, { msgId: `audit:${entry.id}` })
})
