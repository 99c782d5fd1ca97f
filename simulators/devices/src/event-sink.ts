import { Context, Schema } from "effect"
import type { Effect } from "effect"
import type { DeviceEvent } from "@wt/contracts"

/** What the receiving side made of one batch. */
export interface Delivery {
  readonly accepted: number
  readonly rejected: number
  /** Already stored under the same event id (JetStream dedup); neither accepted nor rejected. */
  readonly duplicates: number
  /** One reason per rejected event, as the receiver gave it. */
  readonly reasons: ReadonlyArray<string>
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

/** Where simulated device events go: the HTTP ingest gateway, or straight onto JetStream. */
export class EventSink extends Context.Service<EventSink, {
  readonly via: "http" | "nats"
  readonly deliver: (events: ReadonlyArray<DeviceEvent>) => Effect.Effect<Delivery, DeliveryFailed>
}>()("wt/sim-devices/EventSink") {}
