/**
 * The DC-09 timestamp `HH:MM:SS,MM-DD-YYYY`, always UTC (written after a `_` on the wire).
 * A receiver compares it with its own clock: for encrypted messages it is what stops a
 * recorded message being played back later.
 */
const Pattern = /^(\d{2}):(\d{2}):(\d{2}),(\d{2})-(\d{2})-(\d{4})$/u

/** Epoch milliseconds of a timestamp, or undefined when it does not name a real UTC instant. */
export const parseTimestamp = (text: string): number | undefined => {
  const m = Pattern.exec(text)
  if (m === null) return undefined
  const [hh, mi, ss, mo, dd, yyyy] = m.slice(1).map(Number) as [number, number, number, number, number, number]
  if (hh > 23 || mi > 59 || ss > 59 || mo < 1 || mo > 12 || dd < 1 || yyyy < 1970) return undefined
  const ms = Date.UTC(yyyy, mo - 1, dd, hh, mi, ss)
  // Date.UTC rolls 02-30 over into March; a real date survives the round trip.
  const back = new Date(ms)
  return back.getUTCMonth() === mo - 1 && back.getUTCDate() === dd ? ms : undefined
}

const two = (n: number): string => String(n).padStart(2, "0")

/** `HH:MM:SS,MM-DD-YYYY` in UTC, without the leading `_`. */
export const formatTimestamp = (epochMs: number): string => {
  const d = new Date(epochMs)
  return `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())},${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}-${String(d.getUTCFullYear()).padStart(4, "0")}`
}

/**
 * The standard's acceptance window: a message may be stamped up to 20 s after and 40 s
 * before the receiver's clock (ANSI/SIA DC-09-2013 5.5.1.8).
 */
export interface TimestampWindow {
  readonly past: number
  readonly future: number
}
export const StandardWindow: TimestampWindow = { past: 40, future: 20 }
