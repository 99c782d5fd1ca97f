import { DiscardPolicy, RetentionPolicy, StorageType } from "@nats-io/jetstream"
import { nanos } from "@nats-io/transport-node"
import type { NatsSettings, StreamSpec } from "@wt/nats"
import { Schema } from "effect"

/** Where the audit service publishes its seals and its public keys. */
export const SealStream = {
  name: "WT_AUDIT_SEALS",
  /** One message per seal, in stream order of WT_AUDIT. */
  sealSubject: "wt.seal.audit",
  /** One message per signing key ever used. */
  keySubject: "wt.seal.key",
  subjects: "wt.seal.>"
} as const

/** The stream sealed, named in every seal. */
export const SealedStream = "WT_AUDIT"

/** Seals and keys are kept forever and, like the audit trail, can be neither deleted nor purged. */
export const sealStreamSpec = (settings: Pick<NatsSettings, "replicas">): StreamSpec => ({
  name: SealStream.name,
  description: "Signed seals over WT_AUDIT and the keys that verify them; messages can be neither deleted nor purged",
  subjects: [SealStream.subjects],
  storage: StorageType.File,
  retention: RetentionPolicy.Limits,
  discard: DiscardPolicy.Old,
  max_age: 0,
  duplicate_window: nanos(2 * 60 * 1000),
  num_replicas: settings.replicas,
  allow_direct: true,
  deny_delete: true,
  deny_purge: true
})

/** A seal-verifying key as published on `wt.seal.key` and served at `GET /audit/public-key`. */
export const AuditPublicKey = Schema.Struct({
  keyId: Schema.String,
  algorithm: Schema.Literal("Ed25519"),
  /** SubjectPublicKeyInfo, PEM. */
  publicKeyPem: Schema.String,
  /** When this key was first published. */
  publishedAt: Schema.String
}).annotate({ identifier: "AuditPublicKey" })
export type AuditPublicKey = typeof AuditPublicKey.Type

/** `Nats-Msg-Id` of a seal: a retried publish of the same range is stored once. */
export const sealMsgId = (fromSeq: number, toSeq: number) => `seal:${fromSeq}-${toSeq}`
