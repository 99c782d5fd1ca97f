import { Cause } from "effect"

/**
 * What to do with a delivery that did not succeed: try again after a delay, or give it up to
 * the dead-letter stream. Pure, so the rule is tested without a server.
 *
 * Two kinds of failure are told apart. A message that fails by its own fault (a handler error
 * about its content) is given up after `maxDeliver` attempts, as before. One that fails because
 * the infrastructure under it is away (a NATS request or publish that found no leader, a handler
 * that outlived the ack wait waiting on one, a write lost to a concurrent writer, acks lost so
 * the server handed it out again) is the same message that will succeed once the cluster has a
 * leader again: counting those attempts dead-lettered care alarms while one node of three was
 * frozen for 30 s. They are retried until the message has failed for `giveUpAfterMs`.
 */
export type DeliveryVerdict =
  | { readonly _tag: "retry"; readonly delayMs: number }
  | { readonly _tag: "deadLetter"; readonly reason: string }

/** Failures that say the infrastructure was away, not that the message is bad. */
export const TransientFailureTags: ReadonlySet<string> = new Set([
  "NatsRequestFailed",
  "NatsUnavailable",
  "NatsConnectFailed",
  "PublishFailed",
  "WrongLastSequence",
  "ConsumerSetupFailed",
  "IncidentContended",
  "RoutingContended",
  "TimeoutError"
])

/** What a failed attempt's cause says, for a warning or a dead letter: the error's name and message. */
export const failureText = (cause: Cause.Cause<unknown>) => {
  const error = Cause.squash(cause)
  return error instanceof Error ? `${error.name}: ${error.message}` : JSON.stringify(error) ?? String(error)
}

/** True when every failure in the cause is transient (an interrupt alone is not a failure of the message). */
export const isTransientCause = (cause: Cause.Cause<unknown>): boolean => {
  const failures = cause.reasons.filter(Cause.isFailReason).map((reason) => reason.error)
  const defects = cause.reasons.filter(Cause.isDieReason)
  return defects.length === 0 && failures.length > 0 && failures.every((error) =>
    typeof error === "object" && error !== null && "_tag" in error && TransientFailureTags.has(String((error as { _tag: unknown })._tag))
  )
}

export interface FailedDelivery {
  /** The server's delivery count of this attempt (1 on the first). */
  readonly deliveries: number
  readonly maxDeliver: number
  /** The attempt failed because the infrastructure was away (or it outlived the ack wait). */
  readonly transient: boolean
  /** How long this message has been failing (since its first failed attempt seen, or since it was stored). */
  readonly failingForMs: number
  readonly giveUpAfterMs: number
  /** Redelivery delay after the n-th failure; the last entry repeats. */
  readonly backoff: ReadonlyArray<number>
  readonly failure: string
}

export const delayFor = (backoff: ReadonlyArray<number>, deliveries: number) =>
  backoff.length === 0 ? 0 : backoff[Math.min(deliveries, backoff.length) - 1] ?? 0

const minutes = (ms: number) => `${Math.round(ms / 6_000) / 10} min`

export const verdictOnFailure = (attempt: FailedDelivery): DeliveryVerdict => {
  const retry: DeliveryVerdict = { _tag: "retry", delayMs: delayFor(attempt.backoff, attempt.deliveries) }
  if (attempt.deliveries < attempt.maxDeliver) return retry
  if (!attempt.transient) return { _tag: "deadLetter", reason: `handler failed on all ${attempt.deliveries} deliveries; last: ${attempt.failure}` }
  if (attempt.failingForMs < attempt.giveUpAfterMs) return retry
  return { _tag: "deadLetter", reason: `failed on infrastructure for ${minutes(attempt.failingForMs)} over ${attempt.deliveries} deliveries; last: ${attempt.failure}` }
}

/**
 * A message handed out more than `maxDeliver` times without being settled: a copy died holding
 * it, or its acks were lost with a node. It is tried again unless it has been failing for
 * `giveUpAfterMs`: a message that kills every copy that takes it is given up then.
 */
export const verdictOnUnsettled = (attempt: { readonly deliveries: number; readonly maxDeliver: number; readonly failingForMs: number; readonly giveUpAfterMs: number }): "handle" | Extract<DeliveryVerdict, { readonly _tag: "deadLetter" }> =>
  attempt.deliveries <= attempt.maxDeliver || attempt.failingForMs < attempt.giveUpAfterMs
    ? "handle"
    : { _tag: "deadLetter", reason: `not acknowledged after ${attempt.deliveries - 1} deliveries over ${minutes(attempt.failingForMs)} (ack wait expired)` }
