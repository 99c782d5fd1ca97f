/**
 * A fixed number of lanes, each running its tasks one after another: a unit's frames go down the
 * lane its device id hashes to, so they leave in order and each waits for the answer to the one
 * before, as a transmitter on its own connection does; different lanes run side by side.
 */
export interface Lanes<L> {
  readonly size: number
  /** Runs `task` on the lane `key` belongs to, after everything queued on it before. */
  readonly run: <A>(key: string, task: (lane: L) => Promise<A>) => Promise<A>
  readonly close: () => void
}

const fnv1a = (text: string): number => {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0
  return hash
}

export const makeLanes = <L extends { readonly close: () => void }>(size: number, open: (index: number) => L): Lanes<L> => {
  const lanes = Array.from({ length: size }, (_, i) => ({ lane: open(i), tail: Promise.resolve() as Promise<unknown> }))
  return {
    size,
    run: (key, task) => {
      const slot = lanes[fnv1a(key) % size]!
      const result = slot.tail.then(() => task(slot.lane))
      // The next task waits for this one to settle, whatever its outcome.
      slot.tail = result.then(() => undefined, () => undefined)
      return result
    },
    close: () => {
      for (const { lane } of lanes) lane.close()
    }
  }
}
