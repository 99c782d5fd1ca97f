/**
 * The storm's HTTP senders, on a thread of their own: serialising and posting 300,000 events
 * on the benchmark's main thread delayed the P1 probes' own clock readings (their posts and
 * the live stream's arrivals) by the time the load generator kept that event loop busy,
 * and counted it against the system. Both threads still share the machine's two cores.
 * Started by `startIngestWorker`; waits for "go", reports its totals every 100 ms and at the end.
 */
import { parentPort, workerData } from "node:worker_threads"
import { Effect } from "effect"
import { emptyTotals, type IngestLoad, postBatches } from "./ingest-load.ts"

const job = workerData as Omit<IngestLoad, "totals">
const port = parentPort!
const totals = emptyTotals()

port.once("message", () => {
  const progress = setInterval(() => port.postMessage({ done: false, totals }), 100)
  Effect.runPromise(postBatches({ ...job, totals })).then(
    () => {
      clearInterval(progress)
      port.postMessage({ done: true, totals })
    },
    (error: unknown) => {
      clearInterval(progress)
      port.postMessage({ done: true, totals, error: String(error) })
    }
  )
})
port.postMessage({ ready: true })
