import { Effect } from "effect"
import { AuditEntry, Subjects } from "@wt/contracts"
import { publishEvent } from "@wt/nats"

/**
 * Appends an entry to WT_AUDIT on `wt.audit.<tenant>.<kind>`. The entry id is the
 * message id, so an entry written twice (a retry, a redelivery) is stored once.
 *
 * Untraced on purpose: it runs per message, and Effect.fn's span and call-site Error
 * (a captured stack per call) cost more than the work itself.
 */
export const appendAuditEntry = Effect.fnUntraced(function*(entry: AuditEntry) {
  return yield* publishEvent(Subjects.audit(entry.tenant, entry.kind), AuditEntry, entry, { msgId: `audit:${entry.id}` })
})
