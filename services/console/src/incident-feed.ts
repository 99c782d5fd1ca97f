import { Context, Effect, Layer, PubSub, type Scope } from "effect"
import { IncidentRecord, Streams, Subjects } from "@wt/contracts"
import { follow, Nats } from "@wt/nats"

// A live view loses nothing by dropping the oldest news for a client too slow to keep up
// (it reloads the queue on the next event), while blocking would stall every other client.
const BufferPerClient = 4096

/**
 * Every incident record stored from the moment this console started, fanned out to any
 * number of subscribers (the event-stream clients): ONE ordered reader per process, not
 * one per browser tab.
 */
export class IncidentFeed extends Context.Service<IncidentFeed, {
  /** News from now on, for as long as the scope lives. */
  readonly subscribe: Effect.Effect<PubSub.Subscription<IncidentRecord>, never, Scope.Scope>
  /** Ends every subscriber's news: on shutdown, so open event streams do not hold the server up. */
  readonly close: Effect.Effect<void>
}>()("wt/console/IncidentFeed") {
  static readonly layer = Layer.effect(
    IncidentFeed,
    Effect.gen(function*() {
      const nats = yield* Nats
      const news = yield* Effect.acquireRelease(PubSub.sliding<IncidentRecord>(BufferPerClient), PubSub.shutdown)
      // Starting one past the stream's current end, rather than "deliver new", which counts
      // from whenever the consumer is created: nothing stored after this layer is built is missed.
      const info = yield* nats.streamInfo(Streams.incident)
      yield* follow({
        stream: Streams.incident,
        filterSubject: Subjects.incidentAll,
        startSeq: info.state.last_seq + 1,
        schema: IncidentRecord,
        handler: (record) => PubSub.publish(news, record)
      }).pipe(
        Effect.provideService(Nats, nats),
        Effect.tapCause((cause) => Effect.logError("incident feed stopped", cause)),
        Effect.forkScoped
      )
      return IncidentFeed.of({ subscribe: PubSub.subscribe(news), close: PubSub.shutdown(news) })
    })
  )
}
