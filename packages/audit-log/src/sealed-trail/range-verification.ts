import { type AuditSeal, chainVerifier, type SealPublicKey, type Verdict } from "@wt/audit-chain"
import { bulkReadRange } from "@wt/nats"
import { Effect } from "effect"
import { readStreamRange, streamBounds } from "./stream-reader.ts"

/** A verdict over one stretch of the audit trail, and whose entries it held. */
export interface RangeVerdict {
  readonly verdict: Verdict
  readonly entriesByTenant: Readonly<Record<string, number>>
}

export interface RangeToVerify {
  readonly stream: string
  /** The seals covering the range (and, for the last range, every later one). */
  readonly seals: ReadonlyArray<AuditSeal>
  readonly keys: ReadonlyArray<SealPublicKey>
  /** Hash of the seal before `seals[0]`; default: the chain's genesis. */
  readonly anchor?: string
  readonly fromSeq?: number
  readonly toSeq?: number
  /**
   * `bulk` (default): the bulk reader, and the ordered consumer only if it fails;
   * `consumer`: the ordered consumer alone, which is what a failed bulk read falls back to.
   */
  readonly reader?: "bulk" | "consumer"
}

/**
 * Counts entries per tenant by subject (`wt.audit.<tenant>.<kind>`); subjects repeat,
 * so each is split once.
 */
const tenantCounter = () => {
  const counts: Record<string, number> = {}
  const tenantOf = new Map<string, string>()
  const count = (subject: string) => {
    let tenant = tenantOf.get(subject)
    if (tenant === undefined) {
      tenant = subject.split(".")[2] ?? "?"
      tenantOf.set(subject, tenant)
    }
    counts[tenant] = (counts[tenant] ?? 0) + 1
  }
  return { count, counts }
}

/**
 * Reads one stretch of the stream and checks it against its seals: through the bulk
 * reader (its own protocol connection, several times faster), or, when that cannot be
 * used or fails part way (authentication, TLS, a lost delivery), through an ordered
 * consumer, from the start with a fresh verifier, so a failed attempt leaves no trace.
 */
export const verifyRange = Effect.fn("Audit.verifyRange")(function*(range: RangeToVerify) {
  const start = () => ({
    verifier: chainVerifier(range.seals, {
      keys: range.keys,
      ...(range.anchor === undefined ? {} : { anchor: range.anchor }),
      ...(range.fromSeq === undefined ? {} : { fromSeq: range.fromSeq }),
      ...(range.toSeq === undefined ? {} : { toSeq: range.toSeq })
    }),
    tenants: tenantCounter()
  })
  const fromSeq = range.fromSeq === undefined ? {} : { fromSeq: range.fromSeq }
  const bounds = yield* streamBounds(range.stream)
  const toSeq = Math.min(range.toSeq ?? bounds.lastSeq, bounds.lastSeq)
  const throughConsumer = Effect.gen(function*() {
    const slow = start()
    yield* readStreamRange({
      stream: range.stream,
      ...fromSeq,
      toSeq,
      onMessage: (m) => {
        slow.verifier.push(m.seq, m.data)
        slow.tenants.count(m.subject)
      }
    })
    return slow
  })
  const fast = start()
  const read = toSeq === 0 || (range.fromSeq ?? 1) > toSeq
    ? Effect.succeed(fast)
    : range.reader === "consumer"
    ? throughConsumer
    : bulkReadRange({
      stream: range.stream,
      ...fromSeq,
      toSeq,
      onMessage: (seq, subject, data) => {
        fast.verifier.push(seq, data)
        fast.tenants.count(subject)
      }
    }).pipe(
      Effect.as(fast),
      Effect.catch((error) =>
        Effect.logDebug(`bulk read of ${range.stream} failed (${error.message}); reading through an ordered consumer`).pipe(
          Effect.andThen(throughConsumer)
        )
      )
    )
  const { verifier, tenants } = yield* read
  return { verdict: verifier.finish(), entriesByTenant: tenants.counts } satisfies RangeVerdict
})
