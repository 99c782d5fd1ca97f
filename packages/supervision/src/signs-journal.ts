import { Schema } from "effect"
import type { DeviceSighting } from "./heartbeat.ts"

/**
 * One page of supervision's journal of signs of life: for each device a copy heard from since its
 * last flush, `[key, atMs, intervalS]`, the key being `<tenant>.<deviceId>` as in `wt_device_seen`.
 * Tuples, not objects: a page carries thousands of them.
 */
export const SignsOfLifePage = Schema.Struct({
  signs: Schema.Array(Schema.Tuple([Schema.String, Schema.Number, Schema.Number])),
  /**
   * Per followed lane, the stream sequence the writing copy had read that lane through when it took
   * these signs: every sign of an event up to it is in this page or an earlier one of the copy's.
   * A starting copy follows each lane from one past the highest it reads (pages of earlier versions have none).
   */
  through: Schema.optionalKey(Schema.Record(Schema.String, Schema.Number))
})
export type SignsOfLifePage = typeof SignsOfLifePage.Type

/** A device's newest sign of life as the journal carries it. */
export interface Sign {
  readonly atMs: number
  readonly intervalS: number
}

/**
 * Pages of at most `size` signs: a page stays far below NATS's 1 MB message limit at 200 bytes a
 * sign. Made one at a time as they are taken, so a flush of a whole fleet's signs (110,000 in a
 * storm) holds one page's tuples at a time rather than all of them beside the signs.
 */
export function* pagesOf(
  signs: ReadonlyArray<readonly [string, Sign]>,
  size: number,
  through?: Readonly<Record<string, number>>
): Generator<SignsOfLifePage> {
  const withThrough = through !== undefined && Object.keys(through).length > 0
  // On the last page only: a position counts once every sign before it is stored.
  if (signs.length === 0) {
    if (withThrough) yield { signs: [], through }
    return
  }
  for (let from = 0; from < signs.length; from += size) {
    const page = signs.slice(from, from + size).map(([key, sign]) => [key, sign.atMs, sign.intervalS] as const)
    yield withThrough && from + size >= signs.length ? { signs: page, through } : { signs: page }
  }
}

/**
 * Whether a sign of life must be written to the device's KV entry now rather than left to the
 * journal alone. The journal keeps a page half an hour; KV is what a copy reads beyond that. So:
 * - a device KV does not know yet is written at once;
 * - a sign `kvAfterMs` or more newer than KV's is written (a device that keeps reporting is in KV
 *   at most that far behind);
 * - a sign that has been the newest for `kvAfterMs` is written (a device that fell quiet is in KV
 *   exactly, long before its page leaves the journal).
 * Nothing older than what KV holds is ever written.
 */
export const kvWriteDue = (kvLastSeenMs: number | undefined, signMs: number, nowMs: number, kvAfterMs: number): boolean => {
  if (kvLastSeenMs === undefined) return true
  if (signMs <= kvLastSeenMs) return false
  return signMs - kvLastSeenMs >= kvAfterMs || nowMs - signMs >= kvAfterMs
}

/**
 * The device's own `kvAfterMs`: between half and all of it, fixed per key (FNV-1a of the key). A
 * fleet registered or started together would otherwise reach KV's threshold together, every device
 * written in the same heartbeat interval every ten minutes; spread this way, over five minutes.
 */
export const kvAfterFor = (key: string, kvAfterMs: number): number => {
  let hash = 0x811c9dc5
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193)
  return kvAfterMs / 2 + ((hash >>> 0) / 0x1_0000_0000) * (kvAfterMs / 2)
}

/** The device's sighting as KV holds it, with the journal's newer sign of life when it has one. */
export const withNewerSign = (stored: DeviceSighting, sign: Sign | undefined): DeviceSighting =>
  sign === undefined || sign.atMs <= stored.lastSeenMs ? stored : { ...stored, lastSeenMs: sign.atMs, intervalS: sign.intervalS }

/** Where a followed lane's reader starts: a stream sequence, or the first message stored at or after a time. */
export type FollowedStart = { readonly seq: number } | { readonly timeMs: number }

/**
 * Where a copy starts following a lane, from what it can learn at start:
 * - one past the highest position the journal's pages give (what some copy had read and journalled);
 * - else one past the ack floor of supervision's old durable of the lane (the first start after
 *   the lanes were followed instead);
 * - else a minute before the journal's last page was stored (every copy has been down for longer
 *   than the journal keeps its pages: everything since is read again), and at least the journal's
 *   keep (a new installation, or pages of a version that wrote no positions).
 * Reading a sign of life twice is harmless (the newest wins); not reading one is not.
 */
export const followedLaneStart = (known: {
  readonly journalled: number | undefined
  readonly durableNext: number | undefined
  readonly lastPageMs: number | undefined
  readonly nowMs: number
  readonly keepMs: number
}): FollowedStart => {
  if (known.journalled !== undefined) return { seq: known.journalled + 1 }
  if (known.durableNext !== undefined) return { seq: known.durableNext }
  const keep = known.nowMs - known.keepMs
  return { timeMs: known.lastPageMs === undefined ? keep : Math.min(keep, known.lastPageMs - 60_000) }
}
