import {
  agencyStreamSpec,
  deviceFramesStreamSpec,
  ensureStream,
  InstallationBuckets,
  Nats,
  type NatsSettings,
  provisionStreamsWith,
  sealStreamSpec,
  signsOfLifeStreamSpec
} from "@wt/nats"
import { Effect } from "effect"

/**
 * Creates (or brings to these settings) every stream and KV bucket of an installation: the four
 * streams of the contract, the audit seals, the agencies' channel, supervision's journal, the device frames and the buckets of triage and
 * supervision. Run as the `provision` user, the only one allowed to: each service only checks,
 * at start, that what it needs is there. Idempotent; safe from several launchers at once.
 */
export const provisionInstallation = Effect.fn("Launcher.provisionInstallation")(function*(settings: NatsSettings) {
  yield* provisionStreamsWith(settings)
  for (const spec of [sealStreamSpec(settings), agencyStreamSpec(settings), signsOfLifeStreamSpec(settings), deviceFramesStreamSpec(settings)]) {
    const outcome = yield* ensureStream(spec)
    if (outcome !== "unchanged") yield* Effect.logInfo(`stream ${spec.name} ${outcome}`)
  }
  const nats = yield* Nats
  for (const { bucket, ttlMs } of InstallationBuckets) {
    // Opens the bucket if it exists (its settings kept), else creates it as its owner would, at the installation's replicas.
    yield* nats.kv(bucket, { replicas: settings.replicas, ...(ttlMs === undefined ? {} : { ttlMs }) })
  }
})
