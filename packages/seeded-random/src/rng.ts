/**
 * Seeded PRNG (sfc32, seeded through splitmix32). The simulator must replay the same
 * traffic for the same seed, so it never touches Math.random. sfc32 keeps 128 bits of
 * state, so streams from different seeds do not overlap the way a 32-bit generator's would.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  readonly next: () => number
  /** Uniform integer in [min, max]. */
  readonly int: (min: number, max: number) => number
  readonly chance: (p: number) => boolean
  readonly pick: <A>(items: ReadonlyArray<A>) => A
  readonly weighted: <A>(items: ReadonlyArray<readonly [A, number]>) => A
  /** 32 uniformly random bits as an unsigned integer. */
  readonly uint32: () => number
}

const splitmix32 = (seed: number) => {
  let s = seed >>> 0
  return (): number => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
}

export const makeRng = (seed: number, stream = 0): Rng => {
  const init = splitmix32((seed ^ Math.imul(stream, 0x27d4eb2f)) >>> 0)
  let a = init(), b = init(), c = init(), d = init()
  const uint32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0
    d = (d + 1) >>> 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) >>> 0
    c = ((c << 21) | (c >>> 11)) >>> 0
    c = (c + t) >>> 0
    return t
  }
  // Discard the first outputs: sfc32 needs a few rounds to mix a weak seed.
  for (let i = 0; i < 12; i++) uint32()
  const next = (): number => uint32() / 4294967296
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1))
  const chance = (p: number): boolean => next() < p
  const pick = <A>(items: ReadonlyArray<A>): A => items[Math.floor(next() * items.length)] as A
  const weighted = <A>(items: ReadonlyArray<readonly [A, number]>): A => {
    const total = items.reduce((sum, [, w]) => sum + w, 0)
    let r = next() * total
    for (const [item, w] of items) {
      r -= w
      if (r < 0) return item
    }
    return items[items.length - 1]![0]
  }
  return { next, int, chance, pick, weighted, uint32 }
}
