import type { Rng } from "@wt/seeded-random"

const hex = (n: number, width: number): string => n.toString(16).padStart(width, "0")

/**
 * A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then 74 random bits. The random bits
 * come from a seeded generator so a simulation replays exactly; ids still sort by time,
 * which keeps them friendly as `Nats-Msg-Id` and database keys.
 */
export const uuidv7 = (timeMs: number, rng: Rng): string => {
  const ms = Math.max(0, Math.floor(timeMs))
  const high = Math.floor(ms / 0x10000) // upper 32 of the 48 time bits
  const low = ms % 0x10000
  const randA = rng.uint32() & 0x0fff
  const randB1 = (rng.uint32() & 0x3fff) | 0x8000 // variant 10xx
  const randB2 = rng.uint32() & 0xffff
  const randB3 = rng.uint32()
  return `${hex(high, 8)}-${hex(low, 4)}-${hex(0x7000 | randA, 4)}-${hex(randB1, 4)}-${hex(randB2, 4)}${hex(randB3, 8)}`
}
