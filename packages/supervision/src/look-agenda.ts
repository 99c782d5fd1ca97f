/**
 * When to look at each device (or other key) next. The absence watch used to look at every device
 * of the fleet at every tick, to find the few past their deadline: 110,000 devices every 2 s, about
 * a fifth of supervision's CPU under load and most of it at rest. A deadline only moves later when a
 * sign of life comes, so each key is put on the agenda for the time its deadline falls; looked at
 * then, it is either due or put on again for its new time. What can bring a deadline earlier (a key
 * new to the store, a raised silence ended by a sign, a device's interval changed) puts the key on
 * the agenda at once, by the caller's hooks.
 *
 * Times are kept in slots of `slotMs`; a key is on the agenda at most once, at one slot, and a slot's
 * keys that were moved since are passed over when it comes.
 */
export class LookAgenda {
  readonly #slotMs: number
  /** Each key on the agenda, with its slot. */
  readonly #slotOf = new Map<string, number>()
  /** The keys put in each slot; some may have moved to another since (see #slotOf). */
  readonly #slots = new Map<number, Array<string>>()
  /** The slot the last look reached: a time already passed goes there, to be looked at next time. */
  #cursor = Number.NEGATIVE_INFINITY

  constructor(slotMs = 1000) {
    this.#slotMs = slotMs
  }

  /** How many keys are on the agenda. */
  get size(): number {
    return this.#slotOf.size
  }

  /** Look at `key` at `atMs`, or at the next look when that has passed; in place of any earlier time it had. */
  lookAt(key: string, atMs: number): void {
    const slot = Math.max(Math.floor(atMs / this.#slotMs), this.#cursor)
    if (this.#slotOf.get(key) === slot) return
    this.#slotOf.set(key, slot)
    const keys = this.#slots.get(slot)
    if (keys === undefined) this.#slots.set(slot, [key])
    else keys.push(key)
  }

  /** Look at `key` at the next look. */
  lookNext(key: string): void {
    this.lookAt(key, Number.NEGATIVE_INFINITY)
  }

  /** Look at `key` at the next look, unless it is on the agenda already (for a change that can only make its time later). */
  lookNextUnlessListed(key: string): void {
    if (!this.#slotOf.has(key)) this.lookNext(key)
  }

  /**
   * Takes off the agenda, one by one, every key whose time is at or before `throughMs` (to the slot:
   * also the others of its slot), in no particular order. The caller puts each back for its next time,
   * or leaves it off. A key put on the agenda meanwhile is kept for a later look.
   */
  *due(throughMs: number): Generator<string> {
    // Never behind the furthest look: a key put on at a time already passed went to that slot.
    const last = Math.max(Math.floor(throughMs / this.#slotMs), this.#cursor)
    const taken: Array<readonly [number, Array<string>]> = []
    for (const entry of this.#slots) if (entry[0] <= last) taken.push(entry)
    for (const [slot] of taken) this.#slots.delete(slot)
    this.#cursor = last
    let t = 0
    let i = 0
    try {
      for (; t < taken.length; t++, i = 0) {
        const [slot, keys] = taken[t]!
        while (i < keys.length) {
          const key = keys[i++]!
          if (this.#slotOf.get(key) !== slot) continue
          this.#slotOf.delete(key)
          yield key
        }
      }
    } finally {
      // Left before the end (the look failed or was stopped): what it did not reach stays on the
      // agenda, in its slot, for the next look (its slot is past). Put back a slot at a time: a look
      // stopped at its period during a mass silence left up to 100,000 keys, and moving them one by
      // one to the next look, every 2 s, was a fifth of supervision's CPU while it raised them.
      for (; t < taken.length; t++, i = 0) {
        const [slot, keys] = taken[t]!
        if (i >= keys.length) continue
        const rest = i === 0 ? keys : keys.slice(i)
        const meanwhile = this.#slots.get(slot)
        this.#slots.set(slot, meanwhile === undefined ? rest : rest.concat(meanwhile))
      }
    }
  }
}
