import { Effect, Layer } from "effect"
import type { SqlClient } from "effect/sql"
import { DatabaseReady, MigratedDatabase } from "@wt/db"
import { Nats, NatsConfig, provisionStreams, streamsReady } from "@wt/nats"
import type { ReadinessCheck } from "./readiness.ts"

/**
 * What every service stands on: a NATS connection with the streams provisioned and
 * a migrated database. Both steps are idempotent, so any number of copies may start at once.
 */
export const Infrastructure = Layer.mergeAll(
  Layer.effectDiscard(provisionStreams).pipe(Layer.provideMerge(Nats.layer)),
  MigratedDatabase
).pipe(Layer.provideMerge(NatsConfig.layer))

const natsConnected = Effect.gen(function*() {
  const nats = yield* Nats
  if (yield* nats.isClosed) return false
  yield* nats.flush
  return true
}).pipe(Effect.catch(() => Effect.succeed(false)))

/** Ready only when NATS answers, the four streams exist and the database answers. */
export const infrastructureReadiness: ReadonlyArray<ReadinessCheck<Nats | SqlClient.SqlClient>> = [
  { name: "nats", check: natsConnected },
  { name: "streams", check: streamsReady },
  { name: "database", check: DatabaseReady }
]
