import { Schema } from "effect"

// The seal stream's names and settings live with the installation's other streams (provisioning needs them).
export { SealedStream, SealStream, sealStreamSpec } from "@wt/nats"

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
