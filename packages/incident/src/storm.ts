import type { IncidentEvent } from "@wt/contracts"

/** What one storm_updated event changes: devices that joined the storm, devices that came back. */
export interface StormChange {
  readonly lost: ReadonlyArray<string>
  readonly restored: ReadonlyArray<string>
}

/**
 * A batch of losses and returns reduced to what changes the storm, given the devices down now:
 * a loss only if the device is not down already (a redelivered loss counts once), a return only
 * if the device is down or lost in this same batch (any event is a sign of life, and nearly all
 * come from devices that never were in the storm).
 */
export const stormChange = (down: ReadonlySet<string>, lost: Iterable<string>, restored: Iterable<string>): StormChange => {
  const joined = new Set<string>()
  for (const d of lost) if (!down.has(d)) joined.add(d)
  const back = new Set<string>()
  for (const d of restored) if (down.has(d) || joined.has(d)) back.add(d)
  return { lost: [...joined], restored: [...back] }
}

/** Applies one storm_updated event to the set of devices down, in place. */
export const applyStormChange = (down: Set<string>, change: StormChange): void => {
  for (const d of change.lost) down.add(d)
  for (const d of change.restored) down.delete(d)
}

/** The devices a storm incident still holds, from its events in order. */
export const stormDevicesDown = (events: Iterable<IncidentEvent>): Set<string> => {
  const down = new Set<string>()
  for (const event of events) if (event.type === "storm_updated") applyStormChange(down, event)
  return down
}
