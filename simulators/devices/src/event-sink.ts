import { Context, Schema } from "effect"
import type { Effect } from "effect"
import type { DeviceEvent } from "@wt/contracts"
import type { WireStatsSummary } from "./wire/wire-stats.ts"

/** What the receiving side made of one batch. */
export interface Delivery {
  readonly accepted: number
  readonly rejected: number
  /** Already stored under the same event id (JetStream dedup); neither accepted nor rejected. */
  readonly duplicates: number
  /** One reason per rejected event, as the receiver gave it. */
  readonly reasons: ReadonlyArray<string>
  /**
   * One reason per event the sink could not put on its wire (a protocol with no code for that kind,
   * a device without an identity on it): neither sent nor counted as accepted or rejected.
   */
  readonly skipped?: ReadonlyArray<string>
}

/** The simulator cannot deliver at all (refused key, unreachable, no stream); the run stops. */
export class DeliveryFailed extends Schema.TaggedError<DeliveryFailed>()("DeliveryFailed", {
  via: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `${this.via}: ${this.reason}`
  }
}

/** `http` and `nats` carry canonical events; the others are the devices' own protocols, through the receivers. */
export const SinkVias = ["http", "nats", "dc09", "scaip", "osmand", "webhook"] as const
export type SinkVia = (typeof SinkVias)[number]

/**
 * Where simulated device events go: the HTTP ingest gateway, straight onto JetStream, or as a
 * real device would send them (DC-09, SCAIP, OsmAnd, a vendor's webhook) to the receivers.
 */
export class EventSink extends Context.Service<EventSink, {
  readonly via: SinkVia
  readonly deliver: (events: ReadonlyArray<DeviceEvent>) => Effect.Effect<Delivery, DeliveryFailed>
  /** A protocol sink's frames, answers and answer times. */
  readonly wire?: () => WireStatsSummary
}>()("wt/sim-devices/EventSink") {}
