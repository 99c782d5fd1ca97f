import { Effect } from "effect"

const DefaultChunk = 256

/**
 * Runs `f` over every item, `concurrency` at a time, taking the items from the iterable a chunk
 * at a time. `Effect.forEach` copies its input into an array first: over a whole fleet (a silent
 * fleet's absences, a flush of 100,000 signs of life) that copy, and the items made to fill it,
 * were among the largest things in supervision's heap.
 */
export const forEachInChunks = Effect.fnUntraced(function*<A, E, R>(
  items: Iterable<A>,
  f: (item: A) => Effect.Effect<unknown, E, R>,
  options: { readonly concurrency: number; readonly chunk?: number }
): Effect.fn.Return<void, E, R> {
  const size = options.chunk ?? DefaultChunk
  const iterator = items[Symbol.iterator]()
  while (true) {
    const chunk: Array<A> = []
    for (let next = iterator.next(); next.done !== true; next = iterator.next()) {
      chunk.push(next.value)
      if (chunk.length === size) break
    }
    if (chunk.length === 0) return
    yield* Effect.forEach(chunk, f, { concurrency: options.concurrency, discard: true })
    if (chunk.length < size) return
  }
})
