import { Effect, Exit } from "effect"
import type { StoredDeviceEvent } from "./entries.ts"

/** When a batch is written: whichever limit it reaches first. */
export interface BatchLimits {
  readonly maxEvents: number
  /** Of stored event bytes; an entry must stay well under nats-server's 1 MB message limit. */
  readonly maxBytes: number
  /** After its first event, so a quiet tenant's events are audited within this long. */
  readonly maxWaitMs: number
}

/** One tenant's batch being gathered: its events, and the handlers waiting for it to be stored. */
interface OpenBatch<E> {
  readonly tenant: string
  readonly events: Array<StoredDeviceEvent>
  /** The earliest receipt time among its events: the entry's time. */
  at: string
  bytes: number
  readonly waiting: Array<(exit: Exit.Exit<void, E>) => void>
  /** Wakes the batch's first handler, which writes it. */
  full: (() => void) | undefined
}

/**
 * Gathers stored device events into one entry per tenant and batch. Each event's handler
 * waits until the entry holding it is stored, so its message is acknowledged only then, and a
 * failed write fails every handler in the batch (their messages come back and are batched again).
 *
 * The first event of a batch writes it: its handler waits until the batch is full or `maxWaitMs`
 * has passed, then writes the entry and settles the others. So nothing of its own runs beside the
 * consumer's handlers, and a shutdown that interrupts them settles every batch.
 */
export class DeviceEventBatches<E, R> {
  readonly #open = new Map<string, OpenBatch<E>>()
  readonly #limits: BatchLimits
  readonly #write: (tenant: string, events: ReadonlyArray<StoredDeviceEvent>, at: string) => Effect.Effect<void, E, R>

  constructor(
    limits: BatchLimits,
    write: (tenant: string, events: ReadonlyArray<StoredDeviceEvent>, at: string) => Effect.Effect<void, E, R>
  ) {
    this.#limits = limits
    this.#write = write
  }

  /** Adds one stored event; succeeds once the entry holding it is stored. */
  add(tenant: string, event: StoredDeviceEvent, at: string): Effect.Effect<void, E, R> {
    return Effect.suspend(() => {
      const open = this.#open.get(tenant)
      // A large event would push the batch over its size: the batch goes as it is, and the event starts the next.
      if (open !== undefined && open.bytes + event.stored.length > this.#limits.maxBytes) {
        this.#close(open)
        open.full?.()
      }
      if (open === undefined || this.#open.get(tenant) !== open) {
        const batch: OpenBatch<E> = { tenant, events: [event], at, bytes: event.stored.length, waiting: [], full: undefined }
        this.#open.set(tenant, batch)
        return this.#lead(batch)
      }
      return Effect.callback<void, E>((resume) => {
        const waiter = (exit: Exit.Exit<void, E>) => resume(exit)
        // Joined only once this handler waits: the first handler may write and settle the batch at once.
        this.addNow(tenant, event, at, waiter)
        return Effect.sync(() => {
          const i = open.waiting.indexOf(waiter)
          if (i >= 0) open.waiting.splice(i, 1)
        })
      })
    })
  }

  /**
   * Adds one stored event to its tenant's batch being gathered, without an effect: true once it is
   * in, and `done` is then called once the entry holding it is stored (or failed). False when no
   * batch is gathering or the event would push it over its size: `add` then starts the next one,
   * whose first handler writes it. So only the first event of a batch needs a fiber.
   */
  addNow(tenant: string, event: StoredDeviceEvent, at: string, done: (exit: Exit.Exit<void, E>) => void): boolean {
    const open = this.#open.get(tenant)
    if (open === undefined || open.bytes + event.stored.length > this.#limits.maxBytes) return false
    open.events.push(event)
    open.bytes += event.stored.length
    if (at < open.at) open.at = at
    open.waiting.push(done)
    if (open.events.length >= this.#limits.maxEvents || open.bytes >= this.#limits.maxBytes) {
      this.#close(open)
      open.full?.()
    }
    return true
  }

  /** Batches gathering now (for tests and metrics). */
  get gathering(): number {
    return this.#open.size
  }

  #close(batch: OpenBatch<E>): void {
    if (this.#open.get(batch.tenant) === batch) this.#open.delete(batch.tenant)
  }

  /** The first handler of a batch: waits for it to fill or time out, writes it, settles the rest. */
  #lead(batch: OpenBatch<E>): Effect.Effect<void, E, R> {
    const filled = Effect.callback<void>((resume) => {
      // Filled by other handlers before this one got here.
      if (this.#open.get(batch.tenant) !== batch) return resume(Effect.void)
      batch.full = () => resume(Effect.void)
    })
    // On Effect's clock, one wait per batch (not per event).
    const gathered = Effect.timeoutOption(filled, this.#limits.maxWaitMs)
    return gathered.pipe(
      Effect.andThen(Effect.suspend(() => {
        this.#close(batch)
        // Gathered from concurrent handlers: put back in stream order.
        const events = batch.events.sort((a, b) => a.seq - b.seq)
        return this.#write(batch.tenant, events, batch.at)
      })),
      // However the write ends (stored, failed, interrupted by a shutdown), the others learn it.
      Effect.onExit((exit) =>
        Effect.sync(() => {
          this.#close(batch)
          const settled: Exit.Exit<void, E> = Exit.isSuccess(exit) ? Exit.void : exit
          for (const waiter of batch.waiting.splice(0)) waiter(settled)
        })
      )
    )
  }
}
