/**
 * A binary min-heap of items by due time; ties go to the lower `order`, so two runs
 * with the same seed pop the same items in the same order.
 */
export interface TimeQueue<A> {
  readonly size: () => number
  readonly push: (dueMs: number, order: number, item: A) => void
  readonly peekMs: () => number
  readonly pop: () => { readonly dueMs: number; readonly order: number; readonly item: A } | undefined
}

interface Entry<A> {
  readonly dueMs: number
  readonly order: number
  readonly item: A
}

export const makeTimeQueue = <A>(): TimeQueue<A> => {
  const heap: Array<Entry<A>> = []
  const less = (a: Entry<A>, b: Entry<A>): boolean => a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.order < b.order)
  const up = (start: number): void => {
    let i = start
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!less(heap[i]!, heap[parent]!)) return
      const t = heap[i]!
      heap[i] = heap[parent]!
      heap[parent] = t
      i = parent
    }
  }
  const down = (start: number): void => {
    let i = start
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < heap.length && less(heap[l]!, heap[m]!)) m = l
      if (r < heap.length && less(heap[r]!, heap[m]!)) m = r
      if (m === i) return
      const t = heap[i]!
      heap[i] = heap[m]!
      heap[m] = t
      i = m
    }
  }
  return {
    size: () => heap.length,
    push: (dueMs, order, item) => {
      heap.push({ dueMs, order, item })
      up(heap.length - 1)
    },
    peekMs: () => (heap.length === 0 ? Infinity : heap[0]!.dueMs),
    pop: () => {
      const top = heap[0]
      if (top === undefined) return undefined
      const last = heap.pop()!
      if (heap.length > 0) {
        heap[0] = last
        down(0)
      }
      return top
    }
  }
}
