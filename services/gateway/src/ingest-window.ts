import { Config, Context, Effect, Layer, Semaphore } from "effect"

/**
 * How many heartbeats and positions the gateway has on their way to JetStream at once
 * (`WT_INGEST_BULK_IN_FLIGHT`, default 1,000). JetStream stores a stream's messages in
 * arrival order: when 100,000 devices reconnect and flush at once, an unbounded gateway
 * puts tens of thousands of them ahead of a care alarm (P1 p99 1,053 ms in the full
 * benchmark's storm). Past the window, bulk events wait here, and their senders wait for
 * the answer, while alarm-lane events go straight through. Enough stay in flight to keep
 * the store busy, so the window costs no throughput: at 1,000 instead of 2,000 the full
 * benchmark's ingest ran at 17,178 events/s (15,699 before) and the storm's P1 p99 was
 * 263 ms (293). Measured again with care alarms on their own connection and bulk work at nice 12
 * (docs/benchmarks/2026-12-07-ingest-window-again.md): 2,000 and 4,000 let no more through that
 * two rounds could tell from the machine's own changes, and stored more of a storm's care alarms late.
 */
export class IngestWindow extends Context.Service<IngestWindow, {
  /**
   * Runs the publishing of `events` bulk events once that many fit in the window (a batch
   * larger than the window takes all of it). Taken per batch, not per event: thousands of
   * single-permit waiters made every release scan all of them.
   */
  readonly bulk: <A, E, R>(events: number, publish: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}>()("wt/IngestWindow") {
  static readonly layer = Layer.effect(
    IngestWindow,
    Effect.gen(function*() {
      const permits = Math.max(1, yield* Config.Int("WT_INGEST_BULK_IN_FLIGHT").pipe(Config.withDefault(1_000)))
      const window = yield* Semaphore.make(permits)
      return IngestWindow.of({
        bulk: (events, publish) => (events <= 0 ? publish : window.withPermits(Math.min(events, permits))(publish))
      })
    })
  )
}
