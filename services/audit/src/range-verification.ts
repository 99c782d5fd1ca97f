import { type AuditSeal, chainVerifier, type SealPublicKey, type Verdict } from "@wt/audit-chain"
import { Effect } from "effect"
import { readStreamRange } from "./stream-reader.ts"

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

/** Reads one stretch of the stream through one ordered consumer and checks it against its seals. */
export const verifyRange = Effect.fn("Audit.verifyRange")(function*(range: RangeToVerify) {
  const verifier = chainVerifier(range.seals, {
    keys: range.keys,
    ...(range.anchor === undefined ? {} : { anchor: range.anchor }),
    ...(range.fromSeq === undefined ? {} : { fromSeq: range.fromSeq }),
    ...(range.toSeq === undefined ? {} : { toSeq: range.toSeq })
  })
  const tenants = tenantCounter()
  yield* readStreamRange({
    stream: range.stream,
    ...(range.fromSeq === undefined ? {} : { fromSeq: range.fromSeq }),
    ...(range.toSeq === undefined ? {} : { toSeq: range.toSeq }),
    onMessage: (m) => {
      verifier.push(m.seq, m.data)
      tenants.count(m.subject)
    }
  })
  return { verdict: verifier.finish(), entriesByTenant: tenants.counts } satisfies RangeVerdict
})
