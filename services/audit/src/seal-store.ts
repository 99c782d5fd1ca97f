import { AuditSeal, canonicalJsonBytes, publicKeyPem, type SealKey, type SealPublicKey, sealPublicKeyFromPem } from "@wt/audit-chain"
import { decodeJson, publishRaw, readLastOnSubject } from "@wt/nats"
import { Clock, Effect, Option, Result, Schema } from "effect"
import { AuditPublicKey, SealStream } from "./seal-stream.ts"
import { readStreamRange } from "./stream-reader.ts"

/** A message on the seal stream does not decode: the seal record itself is damaged. */
export class SealUnreadable extends Schema.TaggedError<SealUnreadable>()("SealUnreadable", {
  /** Sequence in WT_AUDIT_SEALS. */
  seq: Schema.Int,
  message: Schema.String
}) {}

/** A seal and where it is stored in WT_AUDIT_SEALS. */
export interface StoredSeal {
  readonly seal: AuditSeal
  readonly streamSeq: number
}

/** The newest seal, if any: where sealing resumes. */
export const readLastSeal = Effect.fn("Audit.readLastSeal")(function*() {
  const last = yield* readLastOnSubject(SealStream.name, SealStream.sealSubject)
  if (Option.isNone(last)) return Option.none<StoredSeal>()
  const decoded = decodeJson(AuditSeal, last.value.data)
  if (Result.isFailure(decoded)) return yield* new SealUnreadable({ seq: last.value.seq, message: decoded.failure.message })
  return Option.some<StoredSeal>({ seal: decoded.success, streamSeq: last.value.seq })
})

const readAll = <A>(subject: string, schema: Schema.Codec<A, any, never, never>) =>
  Effect.gen(function*() {
    const out: Array<A> = []
    let bad: SealUnreadable | undefined
    yield* readStreamRange({
      stream: SealStream.name,
      filterSubject: subject,
      onMessage: (m) => {
        const decoded = decodeJson(schema, m.data)
        if (Result.isSuccess(decoded)) out.push(decoded.success)
        else bad ??= new SealUnreadable({ seq: m.seq, message: decoded.failure.message })
      }
    })
    if (bad !== undefined) return yield* bad
    return out as ReadonlyArray<A>
  })

/** Every seal, in order. */
export const readSeals = readAll(SealStream.sealSubject, AuditSeal).pipe(Effect.withSpan("Audit.readSeals"))

/** Every key ever published for verifying seals. */
export const readPublishedKeys = readAll(SealStream.keySubject, AuditPublicKey).pipe(Effect.withSpan("Audit.readPublishedKeys"))

/** Published keys as verifying keys; a published key that does not parse is left out (its seals will not verify). */
export const verifyingKeys = (published: ReadonlyArray<AuditPublicKey>): ReadonlyArray<SealPublicKey> =>
  published.flatMap((k) => {
    try {
      const key = sealPublicKeyFromPem(k.publicKeyPem)
      return key.keyId === k.keyId ? [key] : []
    } catch {
      return []
    }
  })

/** The public half of the signing key, as published. */
export const publicKeyRecord = (key: SealKey, publishedAt: string): AuditPublicKey => ({
  keyId: key.keyId,
  algorithm: "Ed25519",
  publicKeyPem: publicKeyPem(key),
  publishedAt
})

/** Publishes the signing key's public half on `wt.seal.key`, unless it is there already. */
export const publishSigningKey = Effect.fn("Audit.publishSigningKey")(function*(key: SealKey) {
  const published = yield* readPublishedKeys
  const existing = published.find((k) => k.keyId === key.keyId)
  if (existing !== undefined) return existing
  const record = publicKeyRecord(key, new Date(yield* Clock.currentTimeMillis).toISOString())
  yield* publishRaw(SealStream.keySubject, canonicalJsonBytes(record), { msgId: `key:${key.keyId}` })
  yield* Effect.logInfo("seal verifying key published").pipe(Effect.annotateLogs({ keyId: key.keyId }))
  return record
})
