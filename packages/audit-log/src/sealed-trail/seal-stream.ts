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

/**
 * `Nats-Msg-Id` of a seal: the place in the chain it takes, after the seal stored at `afterSeq`
 * (0: the first). Not its range: a sealer whose publish timed out while a node was frozen, and
 * that sealed again from the last stored seal, sent a second seal over a longer range after the
 * same one; nats-server 2.9.10 does not hold the expected-sequence header for writes in flight on
 * R3, and both were stored: a fork `wt audit verify` rightly called NOT INTACT. Two seals after one
 * seal now have one id, and the duplicate check, which holds in flight, stores one.
 */
export const sealMsgId = (afterSeq: number) => `seal:after-${afterSeq}`
