import { Clock, Effect, Layer, Result } from "effect"
import { deviceEventKey, laneOfEvent, Subjects } from "@wt/contracts"
import type { DeviceEvent } from "@wt/contracts"
import { Nats, publishRaw } from "@wt/nats"
import { DeliveryFailed, EventSink } from "./event-sink.ts"

const encoder = new TextEncoder()

export const deviceSubject = (event: DeviceEvent): string =>
  Subjects.device(event.tenant, laneOfEvent(event), event.type, event.deviceId)

/**
 * Publishes straight onto WT_DEVICE, bypassing the gateway: on the lane subject, with the
 * event id as `Nats-Msg-Id` so a resend within the dedup window is stored once. Stamps
 * `receivedAt`, which the gateway would otherwise do. Every event of a batch is in flight
 * at once; batches in flight times batch size is the publish window.
 */
export const jetStreamSink: Layer.Layer<EventSink, DeliveryFailed, Nats> = Layer.effect(
  EventSink,
  Effect.gen(function*() {
    const nats = yield* Nats
    const probe = Subjects.device("probe", "alarm", "safety_alarm", "probe")
    yield* nats.findStream(probe).pipe(
      Effect.mapError(() =>
        new DeliveryFailed({
          via: "nats",
          reason: `no JetStream stream stores ${Subjects.deviceAll}: start the platform (pnpm start) or create WT_DEVICE`
        })
      )
    )

    const deliver = Effect.fn("JetStreamSink.deliver")(function*(events: ReadonlyArray<DeviceEvent>) {
      const receivedAt = new Date(yield* Clock.currentTimeMillis).toISOString()
      const results = yield* Effect.forEach(
        events,
        (event) =>
          publishRaw(deviceSubject(event), encoder.encode(JSON.stringify({ ...event, receivedAt })), { msgId: deviceEventKey(event) }).pipe(
            Effect.result
          ),
        { concurrency: "unbounded" }
      ).pipe(Effect.provideService(Nats, nats))
      if (yield* nats.isClosed) return yield* new DeliveryFailed({ via: "nats", reason: "the NATS connection is closed" })
      let accepted = 0, duplicates = 0
      const reasons: Array<string> = []
      for (const result of results) {
        if (Result.isFailure(result)) reasons.push(result.failure.message)
        else if (result.success.duplicate) duplicates++
        else accepted++
      }
      return { accepted, rejected: reasons.length, duplicates, reasons }
    })

    return EventSink.of({ via: "nats", deliver })
  })
)
