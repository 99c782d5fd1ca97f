import type { Lane } from "@wt/contracts"
import { type Bucket, isFull, type Rate, take } from "./token-bucket.ts"

/** A budget per lane: each lane's events spend only their own lane's budget. */
export type LaneRates = { readonly [L in Lane]: Rate }

/** Who is limited: the ingest key or vendor platform that sent an event, and the device it names. */
export type LimitScope = "sender" | "device"

/** One event asking to be let in. */
export interface Admission {
  /** The ingest key (`key:<fingerprint>`) or vendor platform (`vendor:<name>`) that sent it; none for a device speaking for itself. */
  readonly sender?: string | undefined
  readonly tenant: string
  readonly deviceId: string
  readonly lane: Lane
}

export type Verdict =
  | { readonly _tag: "Admitted" }
  | {
    readonly _tag: "Limited"
    readonly scope: LimitScope
    readonly lane: Lane
    readonly rate: Rate
    /** The sender or `<tenant>/<device>` whose budget is spent. */
    readonly subject: string
    readonly retryAfterMs: number
  }

/** The rates that apply to a tenant's device and to a sender, per lane. */
export interface RatesFor {
  readonly device: (tenant: string) => LaneRates
  readonly sender: (sender: string, tenant: string) => LaneRates
}

const Admitted: Verdict = { _tag: "Admitted" }

/** Buckets beyond this many are swept of the ones that refilled whole (they carry nothing). */
const SweepAbove = 50_000

/**
 * The budgets of every sender and device, per lane (see `LaneRates`). `admit` lets a set of
 * events in whole or not at all: a DC-09 frame with two events, or one event that spends
 * its sender's and its device's budget, never spends part of one budget for nothing.
 * Memory: one bucket per (sender or device, lane) that sent lately; full ones are swept.
 */
export class LimitBook {
  readonly #buckets = new Map<string, { readonly bucket: Bucket; readonly rate: Rate }>()
  readonly #rates: RatesFor
  /** Swept when the book grows past this; twice what a sweep left, so sweeping costs O(1) per admission. */
  #sweepAt = SweepAbove

  constructor(rates: RatesFor) {
    this.#rates = rates
  }

  get size(): number {
    return this.#buckets.size
  }

  admit(events: ReadonlyArray<Admission>, now: number): Verdict {
    // What each budget is asked for in all, so a frame's two events are weighed together.
    const asks = new Map<string, { n: number; rate: Rate; scope: LimitScope; lane: Lane; subject: string }>()
    const ask = (key: string, rate: Rate, scope: LimitScope, lane: Lane, subject: string) => {
      const found = asks.get(key)
      if (found === undefined) asks.set(key, { n: 1, rate, scope, lane, subject })
      else found.n++
    }
    for (const event of events) {
      const device = `${event.tenant}/${event.deviceId}`
      // Devices before senders: a device over its own budget is named, not its whole platform.
      ask(`d\u0000${device}\u0000${event.lane}`, this.#rates.device(event.tenant)[event.lane], "device", event.lane, device)
    }
    for (const event of events) {
      if (event.sender === undefined) continue
      ask(`s\u0000${event.sender}\u0000${event.lane}`, this.#rates.sender(event.sender, event.tenant)[event.lane], "sender", event.lane, event.sender)
    }
    const taken: Array<[string, Bucket, Rate]> = []
    for (const [key, a] of asks) {
      const result = take(this.#buckets.get(key)?.bucket, a.rate, now, a.n)
      if (result._tag === "Empty") {
        return { _tag: "Limited", scope: a.scope, lane: a.lane, rate: a.rate, subject: a.subject, retryAfterMs: result.retryAfterMs }
      }
      taken.push([key, result.bucket, a.rate])
    }
    for (const [key, bucket, rate] of taken) this.#buckets.set(key, { bucket, rate })
    this.#sweepWhenGrown(now)
    return { _tag: "Admitted" }
  }

  /**
   * `admit([event], now)` for one event, without weighing a set: the HTTP ingest asks this for
   * every event of a request, and the set's map, its asks and its list of buckets taken were most of
   * the cost. A property test holds the two to the same verdicts and budgets.
   */
  admitOne(event: Admission, now: number): Verdict {
    const device = `${event.tenant}/${event.deviceId}`
    const deviceKey = `d\u0000${device}\u0000${event.lane}`
    const deviceRate = this.#rates.device(event.tenant)[event.lane]
    const fromDevice = take(this.#buckets.get(deviceKey)?.bucket, deviceRate, now, 1)
    if (fromDevice._tag === "Empty") {
      return { _tag: "Limited", scope: "device", lane: event.lane, rate: deviceRate, subject: device, retryAfterMs: fromDevice.retryAfterMs }
    }
    if (event.sender !== undefined) {
      const senderKey = `s\u0000${event.sender}\u0000${event.lane}`
      const senderRate = this.#rates.sender(event.sender, event.tenant)[event.lane]
      const fromSender = take(this.#buckets.get(senderKey)?.bucket, senderRate, now, 1)
      if (fromSender._tag === "Empty") {
        return { _tag: "Limited", scope: "sender", lane: event.lane, rate: senderRate, subject: event.sender, retryAfterMs: fromSender.retryAfterMs }
      }
      this.#buckets.set(senderKey, { bucket: fromSender.bucket, rate: senderRate })
    }
    this.#buckets.set(deviceKey, { bucket: fromDevice.bucket, rate: deviceRate })
    this.#sweepWhenGrown(now)
    return Admitted
  }

  #sweepWhenGrown(now: number): void {
    if (this.#buckets.size <= this.#sweepAt) return
    this.sweep(now)
    this.#sweepAt = Math.max(SweepAbove, 2 * this.#buckets.size)
  }

  /** Forgets the budgets that have refilled whole: a new bucket starts full, so nothing changes. */
  sweep(now: number): void {
    for (const [key, { bucket, rate }] of this.#buckets) if (isFull(bucket, rate, now)) this.#buckets.delete(key)
  }
}
