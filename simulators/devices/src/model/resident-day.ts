import { makeRng } from "@wt/seeded-random"
import type { Rng } from "@wt/seeded-random"
import type { SimResident } from "../fleet.ts"
import { dayStartMs, hashString, HourMs, MinuteMs } from "./local-time.ts"

export interface Span {
  readonly fromMs: number
  readonly toMs: number
}

/**
 * One resident's day, which every device in the home observes from its own side: the bed
 * sensor sees getting up and going to bed, the door sees outings and visits, the tracker
 * walks the outings. Pure in (seed, resident, day), so a day looks the same whatever
 * instant a run starts at.
 */
export interface ResidentDay {
  readonly wakeMs: number
  readonly bedMs: number
  /** Out of bed at night (toilet, restless), before waking up. */
  readonly nightVisits: ReadonlyArray<Span>
  /** Out of the home. */
  readonly outings: ReadonlyArray<Span>
  /** Home-care staff in the home. */
  readonly careVisits: ReadonlyArray<Span>
  /** A person with dementia leaving the home at night. */
  readonly nightWander: Span | undefined
}

export interface ResidentTraits {
  readonly dementia: boolean
  readonly mobility: string
}

export const traitsOf = (resident: SimResident): ResidentTraits => ({
  dementia: resident.dementia === true,
  mobility: resident.mobility ?? "walking_aid"
})

const between = (rng: Rng, fromH: number, toH: number): number => (fromH + rng.next() * (toH - fromH)) * HourMs

/** Non-overlapping spans inside [fromMs, toMs): drawn, sorted, and any that collide dropped. */
const spans = (rng: Rng, count: number, fromMs: number, toMs: number, minMin: number, maxMin: number): Array<Span> => {
  const drawn = Array.from({ length: count }, () => {
    const start = fromMs + rng.next() * (toMs - fromMs)
    return { fromMs: Math.round(start), toMs: Math.round(start + (minMin + rng.next() * (maxMin - minMin)) * MinuteMs) }
  }).sort((a, b) => a.fromMs - b.fromMs)
  const kept: Array<Span> = []
  for (const span of drawn) {
    if (span.toMs <= toMs && (kept.length === 0 || span.fromMs > kept[kept.length - 1]!.toMs + 5 * MinuteMs)) kept.push(span)
  }
  return kept
}

export const residentDay = (seed: number, resident: SimResident, day: number, utcOffsetMin: number): ResidentDay => {
  const rng = makeRng((seed ^ hashString(resident.id)) >>> 0, day)
  const start = dayStartMs(day, utcOffsetMin)
  const { dementia, mobility } = traitsOf(resident)
  const wakeMs = Math.round(start + between(rng, 6, 8.75))
  const bedMs = Math.round(start + between(rng, 21.25, 23.5))
  const nightVisits = spans(rng, rng.weighted([[0, 35], [1, 40], [2, 20], [3, 5]] as const), start + HourMs, wakeMs - 30 * MinuteMs, 3, 15)
    // Now and then a visit that does not end well: on the floor, or lost in the flat.
    .map((s) => (rng.chance(0.02) ? { fromMs: s.fromMs, toMs: s.fromMs + Math.round((45 + rng.next() * 45) * MinuteMs) } : s))
  const goesOut = mobility === "bedbound" ? 0 : mobility === "wheelchair" ? rng.weighted([[0, 60], [1, 40]] as const)
    : rng.weighted([[0, 25], [1, 50], [2, 25]] as const)
  const outings = spans(rng, goesOut, start + 10 * HourMs, start + 18 * HourMs, 25, 150)
  const careVisits = rng.chance(0.35)
    ? [
      spans(rng, 1, wakeMs, start + 10 * HourMs, 15, 40),
      spans(rng, rng.chance(0.5) ? 1 : 0, start + 12 * HourMs, start + 13 * HourMs, 10, 25),
      spans(rng, 1, start + 19.5 * HourMs, bedMs, 10, 30)
    ].flat().filter((v) => !outings.some((o) => v.fromMs < o.toMs && o.fromMs < v.toMs))
    : []
  const nightWander = dementia && mobility !== "bedbound" && rng.chance(0.04)
    ? spans(rng, 1, start + 0.5 * HourMs, start + 4.5 * HourMs, 20, 60)[0]
    : undefined
  return { wakeMs, bedMs, nightVisits, outings, careVisits, nightWander }
}
