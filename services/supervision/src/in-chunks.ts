import { Effect } from "effect"

const DefaultChunk = 256

/**
 * Runs `f` over every item, `concurrency` at a time, taking the items from the iterable a chunk
 * at a time. `Effect.forEach` copies its input into an array first: over a whole fleet (a silent
 * fleet's absences, a flush of 100,000 signs of life) that copy, and the items made to fill it,
 * were among the largest things in supervision's heap.
 *
 * `continueWhile` is asked before every chunk after the first: false stops there. However it
 * stops (so, at a failure too), the input's iterator is returned, so that a generator's `finally`
 * can put back what was not reached (the absence watch's agenda does).
 */
export const forEachInChunks = <A, E, R>(
  items: Iterable<A>,
  f: (item: A) => Effect.Effect<unknown, E, R>,
  options: { readonly concurrency: number; readonly chunk?: number; readonly continueWhile?: () => boolean }
): Effect.Effect<void, E, R> =>
  forEachChunk(items, (chunk) => Effect.forEach(chunk, f, { concurrency: options.concurrency, discard: true }), options)

/** `forEachInChunks` with the whole chunk handed over, for work done once per chunk (a lookup of all its devices in one query). */
export const forEachChunk = <A, E, R>(
  items: Iterable<A>,
  f: (chunk: ReadonlyArray<A>) => Effect.Effect<unknown, E, R>,
  options: { readonly chunk?: number; readonly continueWhile?: () => boolean }
): Effect.Effect<void, E, R> =>
  Effect.suspend(() => {
    const size = options.chunk ?? DefaultChunk
    const iterator = items[Symbol.iterator]()
    return Effect.gen(function*() {
      for (let first = true; first || options.continueWhile === undefined || options.continueWhile(); first = false) {
        const chunk: Array<A> = []
        for (let next = iterator.next(); next.done !== true; next = iterator.next()) {
          chunk.push(next.value)
          if (chunk.length === size) break
        }
        if (chunk.length === 0) return
        yield* f(chunk)
        if (chunk.length < size) return
      }
    }).pipe(Effect.ensuring(Effect.sync(() => iterator.return?.())))
  })
