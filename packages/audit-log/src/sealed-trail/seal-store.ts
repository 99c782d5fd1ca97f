import { AuditSeal, canonicalJsonBytes, KeyRotation, makeKeyRotation, publicKeyPem, type SealKey, type SealPublicKey, sealPublicKeyFromPem } from "@wt/audit-chain"
import { decodeJson, publishRaw, readLastOnSubject } from "@wt/nats"
import { Clock, Effect, Option, Result, Schema } from "effect"
import { AuditPublicKey, SealedStream, SealStream } from "./seal-stream.ts"
import { readRetiredKey, retiredKeysDir, signingKeyFileConfig } from "./signing-key.ts"
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

const readAll = Effect.fn("SealStore.readAll")(function*<A>(subject: string, schema: Schema.Codec<A, any, never, never>) {
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

/** Where key rotations are announced, on the seal stream beside the seals (`wt.seal.>`). */
export const KeyRotationSubject = "wt.seal.rotation"

/** Every key rotation announced, in order: how a verifier that pinned the first key learns the later ones. */
export const readKeyRotations = readAll(KeyRotationSubject, KeyRotation).pipe(Effect.withSpan("Audit.readKeyRotations"))

/**
 * Announces `key` on the trail when the chain so far was sealed with another key (the key file was
 * rotated by `wt audit rotate-key`, or replaced): a rotation record signed by the key that sealed
 * last (found in the data directory's `retired/`) and by `key`, effective from the first sequence
 * `key` will seal. Published before anything is sealed with `key`. Without the previous key no
 * announcement can be made: said loudly, and verifiers that pinned the old key will refuse the new
 * key's seals until an operator pins it (`WT_AUDIT_TRUSTED_KEYS`).
 */
export const announceKeyRotation = Effect.fn("Audit.announceKeyRotation")(function*(key: SealKey) {
  const last = yield* readLastSeal()
  if (Option.isNone(last) || last.value.seal.keyId === key.keyId) return Option.none<KeyRotation>()
  const rotations = yield* readKeyRotations
  // The key in force now: the last seal's, or whatever it was already rotated to.
  let current = last.value.seal.keyId
  for (let r = rotations.find((x) => x.previousKeyId === current); r !== undefined; r = rotations.find((x) => x.previousKeyId === current)) {
    if (r.keyId === current) break
    current = r.keyId
  }
  if (current === key.keyId) return Option.none<KeyRotation>()
  const keyFile = yield* signingKeyFileConfig
  const previous = readRetiredKey(keyFile, current)
  if (Option.isNone(previous)) {
    yield* Effect.logError(
      `the seal signing key is now ${key.keyId}, but the trail was sealed up to ${last.value.seal.toSeq} with ${current}, which is not in ${retiredKeysDir(keyFile)}: ` +
        `the new key cannot be announced on the trail. Verifiers that pinned ${current} will refuse seals from ${last.value.seal.toSeq + 1} until ${key.keyId} is pinned too (WT_AUDIT_TRUSTED_KEYS)`
    )
    return Option.none<KeyRotation>()
  }
  const record = makeKeyRotation({
    previous: previous.value,
    next: key,
    stream: SealedStream,
    effectiveFromSeq: last.value.seal.toSeq + 1,
    rotatedAt: new Date(yield* Clock.currentTimeMillis).toISOString()
  })
  yield* publishRaw(KeyRotationSubject, canonicalJsonBytes(record), { msgId: `rotation:${current}:${key.keyId}` })
  yield* Effect.logInfo("seal signing key rotated: the new key is announced on the trail, signed by the previous one").pipe(
    Effect.annotateLogs({ previousKeyId: current, keyId: key.keyId, effectiveFromSeq: record.effectiveFromSeq })
  )
  return Option.some(record)
})

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

/**
 * Publishes the signing key's public half on `wt.seal.key`, unless it is there already, and
 * announces it as the successor of the key that sealed last when that was another one.
 */
export const publishSigningKey = Effect.fn("Audit.publishSigningKey")(function*(key: SealKey) {
  yield* announceKeyRotation(key)
  const published = yield* readPublishedKeys
  const existing = published.find((k) => k.keyId === key.keyId)
  if (existing !== undefined) return existing
  const record = publicKeyRecord(key, new Date(yield* Clock.currentTimeMillis).toISOString())
  yield* publishRaw(SealStream.keySubject, canonicalJsonBytes(record), { msgId: `key:${key.keyId}` })
  yield* Effect.logInfo("seal verifying key published").pipe(Effect.annotateLogs({ keyId: key.keyId }))
  return record
})
