import { Clock, Context, Deferred, Effect, Layer } from "effect"
import { type DevicePosition, FleetPageSize, Registry, type SupervisedDevice } from "@wt/registry"
import { activitySince, intervalOrDefault, registeredSighting } from "@wt/supervision"
import { SupervisionSettings } from "./supervision-settings.ts"
import { deviceKey, residentKey, SupervisionStore } from "./supervision-store.ts"

const sameDevice = (a: SupervisedDevice, b: SupervisedDevice) =>
  a.residentId === b.residentId && a.deviceType === b.deviceType && a.sensor === b.sensor && a.heartbeatIntervalS === b.heartbeatIntervalS

/**
 * The registry's active devices, checked every minute (WT_SUPERVISION_FLEET_EVERY) and read again
 * when the registry's fleet version moved. Only these are
 * supervised: a device taken out of service stops being an absence. Each one is
 * enrolled on first sight, so a device that never reported is silent from the
 * moment supervision began, and that moment survives restarts (it is in KV).
 */
export class SupervisedFleet extends Context.Service<SupervisedFleet, {
  readonly device: (tenant: string, deviceId: string) => SupervisedDevice | undefined
  readonly byKey: (key: string) => SupervisedDevice | undefined
  /** Counts the fleet's reads that found it changed: a device's interval may be shorter, or a device new. */
  readonly generation: () => number
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
      let generation = 0
      const ready = yield* Deferred.make<void>()

      const enrol = Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        // Collected without copying every entry: with 100,000 devices the copies alone were 110,000 arrays a minute.
        const newDevices: Array<readonly [string, SupervisedDevice]> = []
        for (const entry of devices) if (store.sightings.get(entry[0]) === undefined) newDevices.push(entry)
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

      // The registry's fleet version when the fleet was last read: unchanged, there is nothing to read again.
      let readAtVersion: number | undefined
      const reread = Effect.gen(function*() {
        // Before the rows: a change committed during the read then shows as a newer version next time.
        const version = yield* registry.fleetVersion
        if (version === readAtVersion) return
        const next = new Map<string, SupervisedDevice>()
        const byResident = new Map<string, SupervisedDevice>()
        // One copy of each resident's id for all their devices (each row brings its own).
        const residentIds = new Map<string, string>()
        // A page at a time: 100,000 rows at once beside the fleet already held overran the heap.
        let after: DevicePosition | undefined
        let page: ReadonlyArray<SupervisedDevice> = []
        do {
          page = yield* registry.activeDevicesPage(after, FleetPageSize)
          for (const fresh of page) {
            const key = deviceKey(fresh.tenant, fresh.deviceId)
            // The entry from the last read when nothing changed: a refresh of 100,000 devices
            // then leaves no second copy of the fleet for the collector to find.
            const known = devices.get(key)
            let d = known !== undefined && sameDevice(known, fresh) ? known : fresh
            const residentId = residentIds.get(d.residentId)
            if (residentId === undefined) residentIds.set(d.residentId, d.residentId)
            // A kept entry shares the id it was given when it was new.
            else if (d === fresh) d = { ...fresh, residentId }
            next.set(key, d)
            if (d.deviceType !== "sensor" || d.sensor !== "motion") continue
            const resident = residentKey(d.tenant, d.residentId)
            if (!byResident.has(resident)) byResident.set(resident, d)
          }
          const last = page[page.length - 1]
          if (last !== undefined) after = { tenant: last.tenant, deviceId: last.deviceId }
        } while (page.length === FleetPageSize)
        devices = next
        generation++
        motion = [...byResident.values()]
        readAtVersion = version
      })

      const refresh = Effect.gen(function*() {
        yield* reread
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
        generation: () => generation,
        motionSensors: () => motion,
        ready: Deferred.await(ready)
      })
    })
  )
}
