import { Effect, Schedule } from "effect"
import { apiErrorCode } from "./errors.ts"

/** JSClusterNoPeersErrF: "no suitable peers for placement". */
const NoPeersForPlacement = 10005

/**
 * A cluster just started (or a node just back) may not yet have told the meta leader about each
 * node's JetStream: placing replicas then fails for a few seconds, on a loaded machine for longer.
 * Tried again for up to 30 s; a cluster short of nodes still fails, after that.
 */
const whilePeersUnknown = Schedule.max([Schedule.spaced("500 millis"), Schedule.during("30 seconds")])

/** Retries the creation of a stream or bucket while the cluster cannot yet place its replicas. */
export const retryWhilePlacementPending = <A, E, R>(create: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  create.pipe(Effect.retry({ schedule: whilePeersUnknown, while: (cause) => apiErrorCode(cause) === NoPeersForPlacement }))
