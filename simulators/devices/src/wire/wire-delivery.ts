import { Effect } from "effect"
import type { DeviceEvent } from "@wt/contracts"
import { type Delivery, DeliveryFailed, type SinkVia } from "../event-sink.ts"
import { Unreachable } from "./answer-channel.ts"
import type { Carried } from "./wire-device.ts"

/** What became of one event on the wire: its answer said stored, or refused with a reason. */
export type WireOutcome = { readonly _tag: "accepted" } | { readonly _tag: "rejected"; readonly reason: string }

export const accepted: WireOutcome = { _tag: "accepted" }
export const rejected = (reason: string): WireOutcome => ({ _tag: "rejected", reason })

/** How a protocol sender keeps at it: attempts per frame and how long it waits for each answer. */
export interface Persistence {
  /** Frames written per event before it is given up as unanswered (the first included). */
  readonly attempts: number
  readonly answerTimeoutMs: number
}

/** Tallies outcomes and skips of a batch into a `Delivery`. */
export const tallyOutcomes = (outcomes: ReadonlyArray<WireOutcome | { readonly _tag: "skip"; readonly reason: string }>): Delivery => {
  let ok = 0
  const reasons: Array<string> = []
  const skipped: Array<string> = []
  for (const o of outcomes) {
    if (o._tag === "accepted") ok++
    else if (o._tag === "rejected") reasons.push(o.reason)
    else skipped.push(o.reason)
  }
  return { accepted: ok, rejected: reasons.length, duplicates: 0, reasons, skipped }
}

/**
 * Sends every event of a batch that the protocol can carry (`prepare`), each with `send`, all at
 * once (the lanes inside `send` keep a device's frames in order); the rest are skipped with their
 * reason. A receiver that cannot be reached at all fails the batch, and with it the run.
 */
export const deliverEach = <J>(
  via: SinkVia,
  events: ReadonlyArray<DeviceEvent>,
  prepare: (event: DeviceEvent) => Carried<J>,
  send: (job: J, event: DeviceEvent) => Promise<WireOutcome>
): Effect.Effect<Delivery, DeliveryFailed> =>
  Effect.tryPromise({
    try: async () =>
      tallyOutcomes(
        await Promise.all(events.map((event) => {
          const carried = prepare(event)
          return carried._tag === "skip" ? { _tag: "skip" as const, reason: carried.reason } : send(carried.message, event)
        }))
      ),
    catch: (error) => deliveryFailed(via, error)
  })

export const deliveryFailed = (via: SinkVia, error: unknown): DeliveryFailed =>
  new DeliveryFailed({
    via,
    reason: error instanceof Unreachable
      ? `cannot reach the ${via} receiver at ${error.endpoint} (${error.code}): is the platform running (pnpm start), and is the port right?`
      : error instanceof Error ? error.message : String(error)
  })

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Connects again after `Unreachable` (a receiver restarting) with a short backoff; gives up,
 * rethrowing, after `attempts` tries.
 */
export const reaching = async <A>(attempts: number, task: () => Promise<A>): Promise<A> => {
  for (let n = 1; ; n++) {
    try {
      return await task()
    } catch (error) {
      if (!(error instanceof Unreachable) || n >= attempts) throw error
      await sleep(200 * 2 ** (n - 1))
    }
  }
}
