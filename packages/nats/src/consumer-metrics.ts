import { type Context, Effect, Metric } from "effect"

const messages = Metric.counter("wt_consumer_messages_total", {
  description: "Messages a durable consumer settled, by outcome: handled (acked), dead_lettered, retried (handed back)",
  incremental: true
})

/**
 * One consumer's counters, labelled once: the per-message cost is an increment. They tell
 * the engineer on call (and the benchmark, without asking nats-server for consumer info,
 * which on 2.9 recounts pending messages subject by subject) how far each consumer got.
 */
export const consumerCounters = (stream: string, consumer: string) => {
  const of = (outcome: string) => Metric.withAttributes(messages, { stream, consumer, outcome })
  const handled = of("handled")
  const deadLettered = of("dead_lettered")
  const retried = of("retried")
  return {
    handled: Metric.update(handled, 1),
    /** `handled` by `count`, for code already inside a synchronous step. */
    handledUnsafe: (context: Context.Context<never>, count = 1) => handled.updateUnsafe(count, context),
    deadLettered: Metric.update(deadLettered, 1),
    retried: Metric.update(retried, 1)
  }
}

/** How many messages the consumer (or reader) has handled in this process: for tests and checks that read the count. */
export const consumerHandledCount = (stream: string, consumer: string) =>
  Effect.map(Metric.value(Metric.withAttributes(messages, { stream, consumer, outcome: "handled" })), (state) => state.count)
