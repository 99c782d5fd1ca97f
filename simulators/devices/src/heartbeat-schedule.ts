/**
 * When each device is next due to report in: a binary min-heap on due time, so
 * picking the most overdue device stays O(log n) for fleets of tens of thousands.
 */
export interface HeartbeatSchedule {
  readonly size: number
  /** The device that is due soonest, and when. */
  readonly peek: () => { readonly device: number; readonly dueMs: number } | undefined
  /** Takes the soonest-due device and books its next heartbeat at `nextDueMs`. */
  readonly reschedule: (nextDueMs: number) => number
}

export const makeHeartbeatSchedule = (dueMs: ReadonlyArray<number>): HeartbeatSchedule => {
  const due = [...dueMs]
  const heap = due.map((_, i) => i)
  const less = (a: number, b: number): boolean => due[heap[a]!]! < due[heap[b]!]! || (due[heap[a]!] === due[heap[b]!] && heap[a]! < heap[b]!)
  const swap = (a: number, b: number): void => {
    const t = heap[a]!
    heap[a] = heap[b]!
    heap[b] = t
  }
  const down = (start: number): void => {
    let i = start
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < heap.length && less(l, m)) m = l
      if (r < heap.length && less(r, m)) m = r
      if (m === i) return
      swap(i, m)
      i = m
    }
  }
  for (let i = Math.floor(heap.length / 2) - 1; i >= 0; i--) down(i)
  return {
    size: heap.length,
    peek: () => (heap.length === 0 ? undefined : { device: heap[0]!, dueMs: due[heap[0]!]! }),
    reschedule: (nextDueMs) => {
      const device = heap[0]!
      due[device] = nextDueMs
      down(0)
      return device
    }
  }
}
