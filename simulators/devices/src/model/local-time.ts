/** Daily rhythms run on the residents' local time; the model takes a fixed UTC offset (no DST inside a run). */
export const DayMs = 86_400_000
export const HourMs = 3_600_000
export const MinuteMs = 60_000

/** Norway in winter. */
export const DefaultUtcOffsetMin = 60

export const localDay = (ms: number, utcOffsetMin: number): number => Math.floor((ms + utcOffsetMin * MinuteMs) / DayMs)

/** The UTC instant at which local day `day` begins. */
export const dayStartMs = (day: number, utcOffsetMin: number): number => day * DayMs - utcOffsetMin * MinuteMs

/** Local hours since midnight, as a fraction (07:30 → 7.5). */
export const localHour = (ms: number, utcOffsetMin: number): number =>
  (((ms + utcOffsetMin * MinuteMs) % DayMs) + DayMs) % DayMs / HourMs

/** 32-bit FNV-1a, to give every device and resident its own random stream from one seed. */
export const hashString = (text: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}
