import { Config, Effect, Layer } from "effect"
import { DeviceEvent, Streams, Subjects } from "@wt/contracts"
import { consume } from "@wt/nats"
import { triageDeviceEvent } from "./triage-event.ts"

/**
 * Consumes the alarm lane only, through its own durable consumer, so a care alarm
 * never waits behind heartbeats or positions. Copies of triage share the consumer;
 * correlation is safe across them.
 */
export const AlarmLaneWorker = Layer.effectDiscard(
  Effect.gen(function*() {
    const concurrency = yield* Config.Int("WT_TRIAGE_ALARM_CONCURRENCY").pipe(Config.withDefault(16))
    yield* Effect.forkScoped(
      consume({
        stream: Streams.device,
        durable: "triage-alarm",
        filterSubject: Subjects.deviceLaneFilter("alarm"),
        schema: DeviceEvent,
        source: "triage",
        concurrency,
        // An alarm held by a copy that died is redelivered after this long: keep it short.
        ackWait: "5 seconds",
        handler: triageDeviceEvent
      })
    )
  })
)
