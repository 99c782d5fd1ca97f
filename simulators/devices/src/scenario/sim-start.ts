import { dayStartMs, localDay } from "../model/local-time.ts"

/**
 * Where on the simulated clock a run starts. Real time (speed 1) starts now, whatever the
 * scenario's hour. A compressed run replays the most recent such period that ended before
 * now, so no event ever claims to come from the future.
 */
export const simStartFor = (options: {
  readonly startLocal: string
  readonly durationS: number
  readonly speed: number
  readonly nowMs: number
  readonly utcOffsetMin: number
}): number => {
  if (options.speed === 1) return options.nowMs
  const [h, m] = options.startLocal.split(":").map(Number) as [number, number]
  const latest = options.nowMs - options.durationS * 1000
  let day = localDay(latest, options.utcOffsetMin)
  let start = dayStartMs(day, options.utcOffsetMin) + (h * 60 + m) * 60_000
  while (start > latest) start = dayStartMs(--day, options.utcOffsetMin) + (h * 60 + m) * 60_000
  return start
}
