import { Config, Context, Duration, Effect, Layer, Option, Schema } from "effect"
import { SignsOfLifeKeepMs } from "@wt/nats"
import { DefaultPolicy, minutesOf, type SupervisionPolicy } from "@wt/supervision"
import { DefaultRuleBook, type RuleBook } from "@wt/triage-rules"

export interface SupervisionSettingsShape {
  /**
   * The expectations the rule set does not carry (grace, door and dose windows, when the
   * morning starts). Time zone, night hours, left-bed minutes and the morning hour come
   * from the rule set in force (and the resident's plan), see `policyFor`.
   */
  readonly policy: SupervisionPolicy
  readonly ruleBook: RuleBook
  /** How often the watch looks for overdue devices and checks. */
  readonly watchEveryMs: number
  /** How often coalesced signs of life are written to the journal (and activity to KV). */
  readonly flushEveryMs: number
  /**
   * How long a device's KV entry may lag behind the journal: a sign this much newer than KV's, or
   * the newest for this long, is written to KV (`kvWriteDue`). At most half the journal's half hour.
   */
  readonly kvAfterMs: number
  /** How often the registry's active devices are read again. */
  readonly fleetEveryMs: number
  readonly concurrency: { readonly alarm: number; readonly tech: number; readonly telemetry: number }
}

export const DefaultSupervisionSettings: SupervisionSettingsShape = {
  policy: DefaultPolicy,
  ruleBook: DefaultRuleBook,
  watchEveryMs: 2_000,
  flushEveryMs: 1_000,
  kvAfterMs: 10 * 60_000,
  fleetEveryMs: 60_000,
  concurrency: { alarm: 8, tech: 32, telemetry: 32 }
}

const millis = (name: string, fallback: number) =>
  Config.Duration(name).pipe(Config.withDefault(Duration.millis(fallback)), Config.map(Duration.toMillis))
// The journal keeps a page half an hour: KV must have caught up with time to spare.
const KvAfter = Schema.DurationFromString.check(
  Schema.makeFilter((d) => {
    const ms = Duration.toMillis(d)
    return (ms > 0 && ms <= SignsOfLifeKeepMs / 2) || `more than 0 and at most ${SignsOfLifeKeepMs / 120_000} minutes (half the journal's keep)`
  })
)
const int = (name: string, fallback: number) => Config.Int(name).pipe(Config.withDefault(fallback))

/** Absence supervision from the environment; `WT_SUPERVISION_GRACE_FRACTION`, when set, replaces the fixed grace. */
export const supervisionSettingsConfig = Config.all({
  defaultIntervalS: int("WT_SUPERVISION_DEFAULT_INTERVAL_S", DefaultPolicy.heartbeat.defaultIntervalS),
  graceS: Config.Number("WT_SUPERVISION_GRACE_S").pipe(Config.withDefault(30)),
  graceFraction: Config.option(Config.Number("WT_SUPERVISION_GRACE_FRACTION")),
  doorCloseMin: Config.Number("WT_SUPERVISION_DOOR_CLOSE_MIN").pipe(Config.withDefault(DefaultPolicy.nightDoor.closeWithinS / 60)),
  doseWindowMin: Config.Number("WT_SUPERVISION_DOSE_WINDOW_MIN").pipe(Config.withDefault(DefaultPolicy.dose.windowS / 60)),
  morningFrom: Config.String("WT_SUPERVISION_MORNING_FROM").pipe(
    Config.withDefault(DefaultPolicy.morning.activityFrom),
    Config.map((value) => (minutesOf(value), value))
  ),
  watchEveryMs: millis("WT_SUPERVISION_WATCH_EVERY", DefaultSupervisionSettings.watchEveryMs),
  flushEveryMs: millis("WT_SUPERVISION_FLUSH_EVERY", DefaultSupervisionSettings.flushEveryMs),
  fleetEveryMs: millis("WT_SUPERVISION_FLEET_EVERY", DefaultSupervisionSettings.fleetEveryMs),
  kvAfterMs: Config.schema(KvAfter, "WT_SUPERVISION_KV_AFTER").pipe(
    Config.map(Duration.toMillis),
    Config.withDefault(DefaultSupervisionSettings.kvAfterMs)
  ),
  alarm: int("WT_SUPERVISION_ALARM_CONCURRENCY", DefaultSupervisionSettings.concurrency.alarm),
  tech: int("WT_SUPERVISION_TECH_CONCURRENCY", DefaultSupervisionSettings.concurrency.tech),
  telemetry: int("WT_SUPERVISION_TELEMETRY_CONCURRENCY", DefaultSupervisionSettings.concurrency.telemetry)
}).pipe(
  Config.map((c): SupervisionSettingsShape => ({
    ...DefaultSupervisionSettings,
    policy: {
      ...DefaultPolicy,
      heartbeat: {
        defaultIntervalS: c.defaultIntervalS,
        grace: Option.match(c.graceFraction, { onNone: () => ({ seconds: c.graceS }), onSome: (fraction) => ({ fraction }) })
      },
      nightDoor: { closeWithinS: c.doorCloseMin * 60 },
      dose: { ...DefaultPolicy.dose, windowS: c.doseWindowMin * 60 },
      morning: { ...DefaultPolicy.morning, activityFrom: c.morningFrom }
    },
    watchEveryMs: c.watchEveryMs,
    flushEveryMs: c.flushEveryMs,
    fleetEveryMs: c.fleetEveryMs,
    kvAfterMs: c.kvAfterMs,
    concurrency: { alarm: c.alarm, tech: c.tech, telemetry: c.telemetry }
  }))
)

export class SupervisionSettings extends Context.Service<SupervisionSettings, SupervisionSettingsShape>()("wt/SupervisionSettings") {
  static readonly layer = Layer.effect(SupervisionSettings, Effect.gen(function*() {
    return SupervisionSettings.of(yield* supervisionSettingsConfig)
  }))

  /** Fixed settings, for tests and tools. */
  static readonly layerWith = (settings: SupervisionSettingsShape) => Layer.succeed(SupervisionSettings, SupervisionSettings.of(settings))
}
