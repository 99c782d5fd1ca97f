import { readdirSync, readFileSync } from "node:fs"
import { basename, join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Schema } from "effect"
import { SensorKind } from "@wt/contracts"

const Seconds = Schema.Number.check(Schema.isGreaterThanOrEqualTo(0))
const Positive = Schema.Number.check(Schema.isGreaterThan(0))
const Share = Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 }))
const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))

/**
 * The mobile network drops for a share of the devices: they go silent, keep what they would
 * have sent, and all send it at once (with its original occurredAt) when the network returns.
 */
export const NetworkOutage = Schema.Struct({
  kind: Schema.Literal("network_outage"),
  atS: Seconds,
  durationS: Positive,
  share: Share
})

/** A fire in one home that spreads to the neighbours' (smoke, then heat, then someone presses the alarm). */
export const Fire = Schema.Struct({
  kind: Schema.Literal("fire"),
  atS: Seconds,
  homes: Count,
  /** Seconds between one home's smoke detector and the next one's. */
  spreadS: Schema.optionalKey(Positive)
})

/** One broken sensor repeating itself many times a second. */
export const SensorFlood = Schema.Struct({
  kind: Schema.Literal("sensor_flood"),
  atS: Seconds,
  durationS: Positive,
  perSecond: Positive,
  sensor: SensorKind
})

export const Disturbance = Schema.Union([NetworkOutage, Fire, SensorFlood])
export type Disturbance = typeof Disturbance.Type

/** A scenario file (simulators/devices/scenarios/<name>.json). */
export const Scenario = Schema.Struct({
  name: Schema.String.check(Schema.isPattern(/^[a-z0-9-]+$/u)),
  description: Schema.String,
  /** Local time of day the simulated period starts at, HH:MM. */
  startLocal: Schema.String.check(Schema.isPattern(/^([01]\d|2[0-3]):[0-5]\d$/u)),
  durationS: Positive,
  /** Residents of the demo fleet; at most as many as the registry was seeded with (pnpm start: 300). */
  residents: Count,
  /** Simulated seconds per real second; 1 is real time, 0 as fast as the receiver takes it. */
  speed: Seconds,
  model: Schema.optionalKey(Schema.Struct({
    careAlarmsPerResidentDay: Schema.optionalKey(Seconds),
    geofenceExitPerOuting: Schema.optionalKey(Share),
    heartbeatJitter: Schema.optionalKey(Share)
  })),
  disturbances: Schema.Array(Disturbance)
})
export type Scenario = typeof Scenario.Type

export class ScenarioNotFound extends Schema.TaggedError<ScenarioNotFound>()("ScenarioNotFound", {
  name: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `scenario ${this.name}: ${this.reason}`
  }
}

export const ScenarioDir = fileURLToPath(new URL("../../scenarios/", import.meta.url))

export const scenarioNames = (): ReadonlyArray<string> =>
  readdirSync(ScenarioDir).filter((f) => f.endsWith(".json")).map((f) => basename(f, ".json")).sort()

const decodeScenario = Schema.decodeUnknownEffect(Scenario)

/** A scenario by name (from the scenarios folder) or by path to a JSON file. */
export const loadScenario = Effect.fn("Scenario.load")(function*(nameOrPath: string) {
  const path = nameOrPath.endsWith(".json") ? nameOrPath : join(ScenarioDir, `${nameOrPath}.json`)
  const text = yield* Effect.try({
    try: () => readFileSync(path, "utf8"),
    catch: () => new ScenarioNotFound({ name: nameOrPath, reason: `no such scenario (known: ${scenarioNames().join(", ")})` })
  })
  const json = yield* Effect.try({
    try: () => JSON.parse(text) as unknown,
    catch: (error) => new ScenarioNotFound({ name: nameOrPath, reason: `not JSON: ${String(error)}` })
  })
  return yield* decodeScenario(json).pipe(Effect.mapError((error) => new ScenarioNotFound({ name: nameOrPath, reason: error.message })))
})
