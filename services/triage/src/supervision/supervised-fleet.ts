import { Clock, Context, Deferred, Effect, Layer } from "effect"
import { Registry, type SupervisedDevice } from "@wt/registry"
import { activitySince, intervalOrDefault, registeredSighting } from "@wt/supervision"
import { SupervisionSettings } from "./supervision-settings.ts"
import { deviceKey, residentKey, SupervisionStore } from "./supervision-store.ts"

/**
 * The registry's active devices, read again every minute (WT_SUPERVISION_FLEET_EVERY). Only these are
 * supervised: a device taken out of service stops being an absence. Each one is
 * enrolled on first sight, so a device that never reported is silent from the
 * moment supervision began, and that moment survives restarts (it is in KV).
 */
export class SupervisedFleet extends Context.Service<SupervisedFleet, {
  readonly device: (tenant: string, deviceId: string) => SupervisedDevice | undefined
  readonly byKey: (key: string) => SupervisedDevice | undefined
  /** One motion sensor per resident who has one: whose mornings are watched. */
  readonly motionSensors: () => ReadonlyArray<SupervisedDevice>
  /** Succeeds after the first read of the registry and enrolment. */
  readonly ready: Effect.Effect<void>
}>()("wt/SupervisedFleet") {
  static readonly layer = Layer.effect(
    SupervisedFleet,
    Effect.gen(function*() {
      const registry = yield* Registry
      const store = yield* SupervisionStore
      const settings = yield* SupervisionSettings
      let devices = new Map<string, SupervisedDevice>()
      let motion: ReadonlyArray<SupervisedDevice> = []
      const ready = yield* Deferred.make<void>()

      const enrol = Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const newDevices = [...devices].filter(([key]) => store.sightings.get(key) === undefined)
        yield* Effect.forEach(newDevices, ([key, d]) =>
          store.sightings.modify(key, (current) =>
            current === undefined ? registeredSighting(now, intervalOrDefault(settings.policy, d.heartbeatIntervalS)) : undefined
          ), { concurrency: 16, discard: true })
        const newResidents = motion.filter((d) => store.activity.get(residentKey(d.tenant, d.residentId)) === undefined)
        yield* Effect.forEach(newResidents, (d) =>
          store.activity.modify(residentKey(d.tenant, d.residentId), (current) => (current === undefined ? activitySince(now) : undefined)), {
          concurrency: 16,
          discard: true
        })
      })

      const refresh = Effect.gen(function*() {
        const listed = yield* registry.activeDevices()
        const next = new Map<string, SupervisedDevice>()
        const byResident = new Map<string, SupervisedDevice>()
        for (const d of listed) {
          next.set(deviceKey(d.tenant, d.deviceId), d)
          const resident = residentKey(d.tenant, d.residentId)
          if (d.deviceType === "sensor" && d.sensor === "motion" && !byResident.has(resident)) byResident.set(resident, d)
        }
        devices = next
        motion = [...byResident.values()]
        yield* store.loaded
        yield* enrol
        yield* Deferred.succeed(ready, undefined)
      })

      yield* Effect.forkScoped(
        Effect.forever(
          refresh.pipe(
            Effect.catch((error) => Effect.logWarning(`supervised fleet not refreshed: ${error.message}`)),
            Effect.andThen(Effect.sleep(settings.fleetEveryMs))
          )
        )
      )

      return SupervisedFleet.of({
        device: (tenant, deviceId) => devices.get(deviceKey(tenant, deviceId)),
        byKey: (key) => devices.get(key),
        motionSensors: () => motion,
        ready: Deferred.await(ready)
      })
    })
  )
}
