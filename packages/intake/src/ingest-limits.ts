import { createHash } from "node:crypto"
import { Clock, Config, Context, Effect, Layer, Metric, Schema } from "effect"
import type { Lane } from "@wt/contracts"
import { seriesOf, totalCounter } from "@wt/observability"
import { type Admission, type LaneRates, LimitBook, type Verdict } from "./limit-book.ts"
import type { Rate } from "./token-bucket.ts"

/** Where an event came in: the HTTP ingest API, a vendor webhook, or a protocol receiver. */
export type EntryPoint = "http" | "webhook" | "dc09" | "scaip" | "osmand"

const RateSetting = Schema.Struct({
  perSecond: Schema.Finite.check(Schema.isGreaterThan(0)),
  burst: Schema.Finite.check(Schema.isGreaterThanOrEqualTo(1))
})
const LaneRatesSetting = Schema.Struct({
  alarm: Schema.optionalKey(RateSetting),
  tech: Schema.optionalKey(RateSetting),
  telemetry: Schema.optionalKey(RateSetting)
})
const ScopeSettings = Schema.Struct({
  sender: Schema.optionalKey(LaneRatesSetting),
  device: Schema.optionalKey(LaneRatesSetting)
})

/**
 * `WT_INGEST_LIMITS` (JSON; every part optional): rates per lane for every sender (`sender`) and
 * device (`device`), a tenant's own (`tenants.<tenant>.sender|device`), and one sender's own
 * (`senders."key:<fingerprint>"` or `senders."vendor:<name>"`). The most specific wins, lane by lane.
 */
export const IngestLimitsSettings = Schema.Struct({
  ...ScopeSettings.fields,
  tenants: Schema.optionalKey(Schema.Record(Schema.String, ScopeSettings)),
  senders: Schema.optionalKey(Schema.Record(Schema.String, LaneRatesSetting))
}).annotate({ identifier: "IngestLimitsSettings" })
export type IngestLimitsSettings = typeof IngestLimitsSettings.Type

/**
 * The defaults. Lanes never share a budget, so a device or platform that floods heartbeats or
 * positions cannot spend what its care alarms need; the alarm lane's ceilings are the highest.
 * A device: no real one sends 5 positions or technical reports a second for long (a Traccar
 * client's shortest interval is 1 s), and 300 at once is an outage's buffer. A sender (one ingest
 * key or vendor platform): 5,000 a second is a third of what one gateway stores on the
 * benchmark machine, so one looping platform leaves the others room; 50,000 at once is a
 * reconnect storm of 16,000 devices with three buffered reports each.
 */
export const DefaultIngestLimits: { readonly sender: LaneRates; readonly device: LaneRates } = {
  sender: {
    alarm: { perSecond: 10_000, burst: 100_000 },
    tech: { perSecond: 5_000, burst: 50_000 },
    telemetry: { perSecond: 5_000, burst: 50_000 }
  },
  device: {
    alarm: { perSecond: 10, burst: 300 },
    tech: { perSecond: 5, burst: 300 },
    telemetry: { perSecond: 5, burst: 300 }
  }
}

const lanes: ReadonlyArray<Lane> = ["alarm", "tech", "telemetry"]
const merged = (...layers: ReadonlyArray<Partial<Record<Lane, Rate>> | undefined>): LaneRates =>
  Object.fromEntries(lanes.map((lane) => [lane, layers.find((l) => l?.[lane] !== undefined)![lane]])) as LaneRates

/** The rates per tenant and sender that `settings` give, over the defaults. */
export const ratesOf = (settings: IngestLimitsSettings) => {
  const device = new Map<string, LaneRates>()
  const sender = new Map<string, LaneRates>()
  return {
    device: (tenant: string): LaneRates => {
      let rates = device.get(tenant)
      if (rates === undefined) {
        rates = merged(settings.tenants?.[tenant]?.device, settings.device, DefaultIngestLimits.device)
        device.set(tenant, rates)
      }
      return rates
    },
    sender: (name: string, tenant: string): LaneRates => {
      const key = `${name}\u0000${tenant}`
      let rates = sender.get(key)
      if (rates === undefined) {
        rates = merged(settings.senders?.[name], settings.tenants?.[tenant]?.sender, settings.sender, DefaultIngestLimits.sender)
        sender.set(key, rates)
      }
      return rates
    }
  }
}

/** How an ingest key is named in limits, metrics and logs: never the key itself. */
export const ingestKeySender = (key: string): string => `key:${createHash("sha256").update(key).digest("hex").slice(0, 16)}`

/** How a vendor platform is named in limits. */
export const vendorSender = (vendor: string): string => `vendor:${vendor}`

/** Seconds for a `Retry-After` header: whole, at least 1. */
export const retryAfterSeconds = (ms: number): number => Math.max(1, Math.ceil(Number.isFinite(ms) ? ms / 1000 : 3600))

/** The refusal in words, for the sender's answer and the dead letter. */
export const limitedReason = (verdict: Verdict & { readonly _tag: "Limited" }): string => {
  const who = verdict.scope === "device" ? `device ${verdict.subject}` : `sender ${verdict.subject}`
  return `rate limit: ${who} is over its ${verdict.lane} lane's ${verdict.rate.perSecond} events/s (burst ${verdict.rate.burst}); ` +
    `retry after ${retryAfterSeconds(verdict.retryAfterMs)} s`
}

const limited = seriesOf(totalCounter("wt_ingest_rate_limited_total", {
  description: "Events refused because their device or sender was over its lane's rate limit, by entry point, scope (device, sender) and lane"
}))

/**
 * Per-sender and per-device rate limits, lane by lane, for every entry point (HTTP ingest,
 * webhooks, the protocol receivers). Held in memory by each copy of a service: with N copies
 * behind a balancer a sender gets up to N times its budget, which still bounds a loop.
 */
export class IngestLimits extends Context.Service<IngestLimits, {
  /** Lets `events` in together, or none of them; a refusal is counted by entry point, scope and lane. */
  readonly admit: (entry: EntryPoint, events: ReadonlyArray<Admission>) => Effect.Effect<Verdict>
  /** Lets each event in or refuses it on its own, in order, as `admit` would one at a time. */
  readonly admitEach: (entry: EntryPoint, events: ReadonlyArray<Admission>) => Effect.Effect<Array<Verdict>>
}>()("wt/IngestLimits") {
  static readonly make = (settings: IngestLimitsSettings) =>
    Effect.sync(() => {
      const book = new LimitBook(ratesOf(settings))
      const countRefused = (entry: EntryPoint, verdict: Verdict, events: number) =>
        verdict._tag === "Admitted" ? Effect.void : Metric.update(limited({ entry, scope: verdict.scope, lane: verdict.lane }), events)
      return IngestLimits.of({
        admit: (entry, events) =>
          Effect.flatMap(Clock.currentTimeMillis, (now): Effect.Effect<Verdict> => {
            const verdict = book.admit(events, now)
            return Effect.as(countRefused(entry, verdict, events.length), verdict)
          }),
        // One clock reading for a request's events: they arrived together.
        admitEach: (entry, events) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) => {
            const verdicts = events.map((event) => book.admitOne(event, now))
            const refused = verdicts.filter((verdict) => verdict._tag !== "Admitted")
            return refused.length === 0
              ? Effect.succeed(verdicts)
              : Effect.as(Effect.forEach(refused, (verdict) => countRefused(entry, verdict, 1), { discard: true }), verdicts)
          })
      })
    })

  /** From `WT_INGEST_LIMITS` (JSON, see `IngestLimitsSettings`); unset, the defaults. A value that does not decode stops the service. */
  static readonly layer = Layer.effect(
    IngestLimits,
    Effect.gen(function*() {
      const settings = yield* Config.schema(Schema.fromJsonString(IngestLimitsSettings), "WT_INGEST_LIMITS").pipe(Config.withDefault({}))
      return yield* IngestLimits.make(settings)
    })
  )
}
