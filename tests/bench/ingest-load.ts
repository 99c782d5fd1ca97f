import { once } from "node:events"
import { Worker } from "node:worker_threads"
import { Effect, Redacted, Schema } from "effect"
import type { DeviceEvent } from "@wt/contracts"
import { addLanes, emptyLaneCounts, type LaneCounts } from "./consumer-progress.ts"
import { EventSink, httpIngestSink } from "@wt/sim-devices"

export interface IngestTotals {
  accepted: number
  rejected: number
  duplicates: number
  /** Batches the gateway could not take at all, even after the sink's retries. */
  failedBatches: number
  reasons: Array<string>
  /** Events per lane in the batches the gateway took (a batch with rejects counts whole: an upper bound). */
  stored: LaneCounts
}

/** The worker thread's senders stopped with an error (its message as the worker reported it). */
export class StormSendersFailed extends Schema.TaggedError<StormSendersFailed>()("StormSendersFailed", { message: Schema.String }) {}

/** Batches to post to the gateway, how many requests at once, and the totals to keep current. */
export interface IngestLoad {
  readonly ingestUrl: string
  readonly ingestKey: string
  readonly batches: ReadonlyArray<ReadonlyArray<DeviceEvent>>
  readonly concurrency: number
  readonly totals: IngestTotals
}

/**
 * Posts prepared batches to the HTTP ingest gateway, `concurrency` requests at once, the
 * way a fleet's vendor platforms or protocol gateways would. `totals` is updated as answers
 * arrive, so a progress sampler can read it during the run.
 */
export const postBatches = Effect.fn("Bench.postBatches")(function*(options: IngestLoad) {
  const { totals } = options
  yield* Effect.gen(function*() {
    const sink = yield* EventSink
    yield* Effect.forEach(
      options.batches,
      (batch) =>
        sink.deliver(batch).pipe(
          Effect.match({
            onFailure: (error) => {
              totals.failedBatches++
              if (totals.reasons.length < 10) totals.reasons.push(error.message)
            },
            onSuccess: (d) => {
              totals.accepted += d.accepted
              totals.rejected += d.rejected
              totals.duplicates += d.duplicates
              addLanes(totals.stored, batch)
              for (const r of d.reasons) if (totals.reasons.length < 10) totals.reasons.push(r)
            }
          })
        ),
      { concurrency: options.concurrency, discard: true }
    )
  }).pipe(Effect.provide(httpIngestSink({ url: options.ingestUrl, key: Redacted.make(options.ingestKey) })))
  return totals
})

export const emptyTotals = (): IngestTotals => ({ accepted: 0, rejected: 0, duplicates: 0, failedBatches: 0, reasons: [], stored: emptyLaneCounts() })

export const inBatches = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/**
 * `postBatches` on a worker thread (see ingest-load-worker.ts). Acquiring it starts the thread
 * and hands it the batches, so its start-up is not timed; `run` sends them and keeps `totals`
 * current while they go.
 */
export const startIngestWorker = Effect.fn("Bench.startIngestWorker")(function*(options: IngestLoad) {
  const { totals, ...job } = options
  const worker = yield* Effect.acquireRelease(
    Effect.promise(async () => {
      const started = new Worker(new URL("./ingest-load-worker.ts", import.meta.url), { workerData: job })
      await once(started, "message")
      return started
    }),
    (w) => Effect.promise(() => w.terminate())
  )
  const run = Effect.callback<IngestTotals, StormSendersFailed | Error>((resume) => {
    worker.on("message", (m: { readonly done: boolean; readonly totals: IngestTotals; readonly error?: string }) => {
      Object.assign(totals, m.totals)
      if (!m.done) return
      resume(m.error === undefined ? Effect.succeed(totals) : Effect.fail(new StormSendersFailed({ message: `storm senders failed: ${m.error}` })))
    })
    worker.on("error", (error) => resume(Effect.fail(error)))
    worker.postMessage("go")
  })
  return { run }
})
