import { Context, Effect, Layer } from "effect"
import { DeviceSighting, PendingCheck, ResidentActivity } from "@wt/supervision"
import { type KvMirror, openKvMirror } from "./kv-mirror.ts"

// The buckets' names and key lifetimes live with the installation's other buckets (provisioning creates them).
export { DeviceSeenBucket, PendingChecksBucket, ResidentActivityBucket } from "@wt/nats"
import { DeviceSeenBucket, PendingChecksBucket, PendingCheckTtlMs, ResidentActivityBucket } from "@wt/nats"

// Joined, not concatenated: V8 keeps a concatenation as a pair of strings, and a map that holds it
// flattens it into a third copy. Held in several maps for each of 110,000 devices, that was 10 MB.
export const deviceKey = (tenant: string, deviceId: string) => [tenant, deviceId].join(".")
export const residentKey = (tenant: string, residentId: string) => [tenant, residentId].join(".")

/**
 * Supervision state, in JetStream KV so that it survives restarts and is shared by
 * every supervision copy; each copy holds a watched mirror of it in memory.
 */
export class SupervisionStore extends Context.Service<SupervisionStore, {
  readonly sightings: KvMirror<DeviceSighting>
  readonly checks: KvMirror<PendingCheck>
  readonly activity: KvMirror<ResidentActivity>
  /** Succeeds once all three buckets are in memory. */
  readonly loaded: Effect.Effect<void>
}>()("wt/SupervisionStore") {
  static readonly layer = Layer.effect(
    SupervisionStore,
    Effect.gen(function*() {
      const [sightings, checks, activity] = yield* Effect.all([
        openKvMirror({ bucket: DeviceSeenBucket, schema: DeviceSighting }),
        openKvMirror({ bucket: PendingChecksBucket, schema: PendingCheck, ttlMs: PendingCheckTtlMs }),
        openKvMirror({ bucket: ResidentActivityBucket, schema: ResidentActivity })
      ])
      const loaded = Effect.all([sightings.loaded, checks.loaded, activity.loaded], { discard: true })
      return SupervisionStore.of({ sightings, checks, activity, loaded })
    })
  )
}
