import { Effect } from "effect"
import { type Lane, Lanes, Streams } from "@wt/contracts"
import { Nats } from "@wt/nats"

/** The durables through which supervision sees every lane, apart from triage's classifying ones. */
export const SupervisionDurables: Record<Lane, string> = {
  alarm: "triage-supervision-alarm",
  tech: "triage-supervision-tech",
  telemetry: "triage-supervision-telemetry"
}

const processedThroughOne = (durable: string, nowMs: number) =>
  Effect.gen(function*() {
    const { jsm } = yield* Nats
    const info = yield* Effect.tryPromise(() => jsm.consumers.info(Streams.device, durable))
    if (info.num_pending === 0 && info.num_ack_pending === 0) return nowMs
    // Everything up to the ack floor is handled; the next message was stored no earlier than this one.
    const next = yield* Effect.tryPromise(() => jsm.streams.getMessage(Streams.device, { seq: info.ack_floor.stream_seq + 1 }))
    return next === null ? 0 : next.time.getTime()
  }).pipe(
    // Unknown means nothing may be judged silent yet.
    Effect.catch(() => Effect.succeed(0))
  )

/**
 * The instant up to which every lane's stored events have been handled by supervision.
 * An absence is judged only up to it: after a restart or behind a backlog, a heartbeat
 * still waiting in the stream must not make its device look silent.
 */
export const processedThrough = Effect.fn("Supervision.processedThrough")(function*(nowMs: number) {
  const each = yield* Effect.forEach(Lanes, (lane) => processedThroughOne(SupervisionDurables[lane], nowMs), { concurrency: "unbounded" })
  return Math.min(nowMs, ...each)
})

/**
 * Watermarks as measured over the last moments. A handled event's sign of life may
 * wait up to a flush in some copy's buffer and then travel through KV, so the watch
 * judges by the watermark as it stood that long ago: everything handled by then has
 * reached KV by now. Reading it "now" would wrongly trust a backlog just handled.
 */
export class WatermarkHistory {
  readonly #samples: Array<{ readonly atMs: number; readonly throughMs: number }> = []

  record(atMs: number, throughMs: number): void {
    this.#samples.push({ atMs, throughMs })
  }

  /** The latest watermark measured at or before `atMs`; 0 (judge nothing) when there is none yet. */
  asOf(atMs: number): number {
    let through = 0
    let keepFrom = 0
    for (let i = 0; i < this.#samples.length; i++) {
      const sample = this.#samples[i]!
      if (sample.atMs > atMs) break
      through = sample.throughMs
      keepFrom = i
    }
    // Older samples than the one in use will never be needed again.
    this.#samples.splice(0, keepFrom)
    return through
  }
}
