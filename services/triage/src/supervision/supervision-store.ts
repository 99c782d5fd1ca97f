import { Context, Effect, Layer } from "effect"
import { DeviceSighting, PendingCheck, ResidentActivity } from "@wt/supervision"
import { type KvMirror, openKvMirror } from "./kv-mirror.ts"

/** Last sign of life per device, key `<tenant>.<deviceId>`. */
export const DeviceSeenBucket = "wt_device_seen"
/** Left-bed, night-door and dose checks, key `<tenant>.<kind>.<subject>`. */
export const PendingChecksBucket = "wt_pending_checks"
/** Latest activity in the home per resident with a motion sensor, key `<tenant>.<residentId>`. */
export const ResidentActivityBucket = "wt_resident_activity"

// Checks settle within hours; a week leaves any forgotten one to expire.
const PendingCheckTtlMs = 7 * 24 * 3_600_000

/** The supervision buckets and their key lifetimes; created by provisioning (packages/launcher), opened here. */
export const SupervisionBuckets: ReadonlyArray<{ readonly bucket: string; readonly ttlMs?: number }> = [
  { bucket: DeviceSeenBucket },
  { bucket: PendingChecksBucket, ttlMs: PendingCheckTtlMs },
  { bucket: ResidentActivityBucket }
]

// Joined, not concatenated: V8 keeps a concatenation as a pair of strings, and a map that holds it
// flattens it into a third copy. Held in several maps for each of 110,000 devices, that was 10 MB.
export const deviceKey = (tenant: string, deviceId: string) => [tenant, deviceId].join(".")
export const residentKey = (tenant: string, residentId: string) => [tenant, residentId].join(".")

/**
 * Supervision state, in JetStream KV so that it survives restarts and is shared by
 * every triage copy; each copy holds a watched mirror of it in memory.
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
