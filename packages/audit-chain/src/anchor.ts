import { Schema } from "effect"
import { type AuditSeal, sealHash } from "./seal.ts"
import type { Broken } from "./verify.ts"

/**
 * Anchors: what the audit trail looked like, written outside NATS (a file in the data
 * directory, and optionally an external timestamping or WORM store) every time a seal
 * is stored. The trail and its seals live in JetStream, where someone who can delete a
 * stream can delete both and start them again; an anchor is what remembers that they
 * once held more. See docs/audit-integrity.md.
 */

const Hex256 = Schema.String.check(Schema.isPattern(/^[0-9a-f]{64}$/u))
const Seq = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))

/** Written after each seal is stored: the newest seal, and where. */
export const SealAnchor = Schema.Struct({
  type: Schema.Literal("seal"),
  v: Schema.Literal(1),
  /** The sealed stream (WT_AUDIT). */
  stream: Schema.String,
  fromSeq: Seq,
  /** The last sealed sequence: the trail holds at least this many entries from now on. */
  toSeq: Seq,
  /** {@link sealHash} of the seal. */
  sealHash: Hex256,
  /** Where the seal is stored in the seal stream (WT_AUDIT_SEALS). */
  sealStreamSeq: Seq,
  sealedAt: Schema.String,
  keyId: Schema.String,
  /** When the sealed stream was created, as JetStream reports it: a re-created stream has another. */
  streamCreated: Schema.String,
  /** When this anchor was written. */
  anchoredAt: Schema.String
}).annotate({ identifier: "SealAnchor" })
export type SealAnchor = typeof SealAnchor.Type

/** The seal a trail ended with when it was acknowledged, or null for a trail with no seal. */
const SealReference = Schema.NullOr(Schema.Struct({ toSeq: Seq, sealHash: Hex256, sealStreamSeq: Seq }))

/**
 * An operator's decision to accept the trail as it now is (`wt audit acknowledge`): after
 * a deleted, re-created or restored stream, sealing resumes from here and earlier anchors
 * no longer bind. It records what was lost, so the verifier keeps saying so.
 */
export const TrailAcknowledgment = Schema.Struct({
  type: Schema.Literal("acknowledged"),
  v: Schema.Literal(1),
  stream: Schema.String,
  at: Schema.String,
  /** Who acknowledged (their login on the machine). */
  by: Schema.String,
  reason: Schema.String,
  /** When the sealed stream now in place was created. */
  streamCreated: Schema.String,
  /** The newest seal now in the seal stream. */
  lastSeal: SealReference,
  /** The newest anchor before this acknowledgment: what the trail had reached. */
  previous: Schema.NullOr(Schema.Struct({ toSeq: Seq, sealHash: Hex256, anchoredAt: Schema.String }))
}).annotate({ identifier: "TrailAcknowledgment" })
export type TrailAcknowledgment = typeof TrailAcknowledgment.Type

export const AnchorRecord = Schema.Union([SealAnchor, TrailAcknowledgment]).annotate({ identifier: "AnchorRecord" })
export type AnchorRecord = typeof AnchorRecord.Type

const decodeRecord = Schema.decodeUnknownResult(Schema.fromJsonString(AnchorRecord))

/** The anchor of a seal just stored. */
export const anchorOfSeal = (
  seal: AuditSeal,
  where: { readonly sealStreamSeq: number; readonly streamCreated: string; readonly anchoredAt: string }
): SealAnchor => ({
  type: "seal",
  v: 1,
  stream: seal.stream,
  fromSeq: seal.fromSeq,
  toSeq: seal.toSeq,
  sealHash: sealHash(seal),
  sealStreamSeq: where.sealStreamSeq,
  sealedAt: seal.sealedAt,
  keyId: seal.keyId,
  streamCreated: where.streamCreated,
  anchoredAt: where.anchoredAt
})

/** One line of an anchors file: canonical enough to read back, one record per line. */
export const anchorLine = (record: AnchorRecord): string => `${JSON.stringify(record)}\n`

export interface AnchorLines {
  readonly records: ReadonlyArray<AnchorRecord>
  /** 1-based numbers of lines that are not an anchor record (a torn last line after a crash, or damage). */
  readonly unreadable: ReadonlyArray<number>
}

/** Reads an anchors file's text; blank lines are skipped. */
export const parseAnchorLines = (text: string): AnchorLines => {
  const records: Array<AnchorRecord> = []
  const unreadable: Array<number> = []
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return
    const decoded = decodeRecord(line)
    if (decoded._tag === "Success") records.push(decoded.success)
    else unreadable.push(i + 1)
  })
  return { records, unreadable }
}

/** What binds a stream's trail now: the anchors since the last acknowledgment, and that acknowledgment. */
export interface AnchorState {
  /** Seal anchors written after the last acknowledgment, in file order. */
  readonly anchors: ReadonlyArray<SealAnchor>
  /** The newest of {@link anchors} by sealed sequence. */
  readonly latest: SealAnchor | undefined
  readonly acknowledgment: TrailAcknowledgment | undefined
}

export const anchorState = (records: ReadonlyArray<AnchorRecord>, stream: string): AnchorState => {
  let anchors: Array<SealAnchor> = []
  let acknowledgment: TrailAcknowledgment | undefined
  for (const r of records) {
    if (r.stream !== stream) continue
    if (r.type === "acknowledged") {
      acknowledgment = r
      anchors = []
    } else {
      anchors.push(r)
    }
  }
  const latest = anchors.reduce<SealAnchor | undefined>((best, a) => (best === undefined || a.toSeq > best.toSeq ? a : best), undefined)
  return { anchors, latest, acknowledgment }
}

const short = (hash: string) => hash.slice(0, 16)

/**
 * Checks the seals as they are now against the anchors: every anchored seal must still
 * stand at its sequence with its hash, and the trail must still reach the newest one.
 * The chain verifier proves the seals and the entries agree with each other; this proves
 * they are the ones that were there before, so a trail deleted and started again, or cut
 * short with its seals, does not pass as intact. Undefined when the anchors hold.
 *
 * `lastEntrySeq` is the trail's last sequence now (0 when empty); undefined when the
 * stream does not exist at all.
 */
export const checkAgainstAnchors = (
  seals: ReadonlyArray<AuditSeal>,
  anchors: ReadonlyArray<SealAnchor>,
  lastEntrySeq: number | undefined
): Broken | undefined => {
  if (anchors.length === 0) return undefined
  const byEnd = new Map(seals.map((s) => [s.toSeq, s]))
  const ordered = [...anchors].sort((a, b) => a.toSeq - b.toSeq)
  const latest = ordered.at(-1)!
  const trail = lastEntrySeq === undefined ? "the stream does not exist" : lastEntrySeq === 0 ? "the stream is empty" : `the stream now ends at ${lastEntrySeq}`
  const sealsNow = seals.length === 0 ? "its seal stream holds no seals" : `its seals now end at ${seals.at(-1)!.toSeq}`
  let confirmed = 0
  for (const anchor of ordered) {
    const seal = byEnd.get(anchor.toSeq)
    if (seal !== undefined && sealHash(seal) === anchor.sealHash) {
      confirmed = anchor.toSeq
      continue
    }
    const first = confirmed + 1
    const anchored = `the anchor of ${anchor.anchoredAt} says entries up to ${anchor.toSeq} were sealed (seal ${anchor.fromSeq}-${anchor.toSeq}, hash ${short(anchor.sealHash)}…)`
    if ((lastEntrySeq ?? 0) < latest.toSeq) {
      return {
        _tag: "Broken",
        seq: first,
        kind: "removed",
        reason: `entries ${first}–${latest.toSeq} are missing: ${anchored}, but ${trail} and ${sealsNow} (the trail was deleted or cut short and its seals with it)`
      }
    }
    return {
      _tag: "Broken",
      seq: first,
      kind: "seal",
      reason: `${anchored}, but ${seal === undefined ? `no seal ends at ${anchor.toSeq} any more (${sealsNow})` : "the seal ending there is another one"}: the seals were replaced`
    }
  }
  if ((lastEntrySeq ?? 0) < latest.toSeq) {
    const first = (lastEntrySeq ?? 0) + 1
    return {
      _tag: "Broken",
      seq: first,
      kind: "removed",
      reason: `entries ${first}–${latest.toSeq} are missing: they were sealed (anchor of ${latest.anchoredAt}), but ${trail}`
    }
  }
  return undefined
}

/** The trail and its seals as the audit service finds them in JetStream. */
export interface ObservedTrail {
  /** The sealed stream, or undefined when it does not exist. */
  readonly stream: { readonly created: string; readonly lastSeq: number } | undefined
  /** The newest seal in the seal stream. */
  readonly lastSeal: { readonly toSeq: number; readonly sealHash: string; readonly sealStreamSeq: number } | undefined
  /** {@link sealHash} of what the seal stream holds at the baseline's `sealStreamSeq`; undefined when nothing is there. */
  readonly sealAtAnchor: string | undefined
}

/** What sealing may continue from: the newest anchor, or the acknowledgment if that is newer. */
export type TrailBaseline =
  | { readonly _tag: "Anchored"; readonly anchor: SealAnchor }
  | { readonly _tag: "Acknowledged"; readonly acknowledgment: TrailAcknowledgment }

/**
 * Ways the trail went backwards against the baseline, in words for the log: empty when
 * sealing may go on. The audit service refuses to seal while any is found, as sealing would
 * start a new chain on top of the deleted one.
 */
export const trailFindings = (baseline: TrailBaseline | undefined, observed: ObservedTrail): ReadonlyArray<string> => {
  if (baseline === undefined) return []
  const findings: Array<string> = []
  const { stream, lastSeal } = observed
  if (baseline._tag === "Acknowledged") {
    const ack = baseline.acknowledgment
    if (stream === undefined) findings.push(`${ack.stream} does not exist (acknowledged at ${ack.at} as created ${ack.streamCreated})`)
    else if (stream.created !== ack.streamCreated) {
      findings.push(`${ack.stream} was created at ${stream.created}, not at ${ack.streamCreated} as acknowledged at ${ack.at}: the stream was re-created`)
    }
    if (ack.lastSeal !== null) {
      if (lastSeal === undefined || lastSeal.toSeq < ack.lastSeal.toSeq) {
        findings.push(`the seals end ${lastSeal === undefined ? "nowhere (none left)" : `at ${lastSeal.toSeq}`}, but reached ${ack.lastSeal.toSeq} when acknowledged at ${ack.at}`)
      } else if (observed.sealAtAnchor !== ack.lastSeal.sealHash) findings.push(`the seal acknowledged at ${ack.at} (ending at ${ack.lastSeal.toSeq}) is no longer stored where it was`)
    }
    return findings
  }
  const a = baseline.anchor
  const anchored = `anchored at ${a.anchoredAt}`
  if (stream === undefined) findings.push(`${a.stream} does not exist, but entries up to ${a.toSeq} were sealed (${anchored})`)
  else if (stream.created !== a.streamCreated) {
    findings.push(
      `${a.stream} was re-created: created at ${stream.created}, not at ${a.streamCreated} as ${anchored}; the entries 1–${a.toSeq} sealed then are gone (it now ends at ${stream.lastSeq})`
    )
  } else if (stream.lastSeq < a.toSeq) {
    findings.push(`${a.stream} ends at ${stream.lastSeq}, but entries up to ${a.toSeq} were sealed (${anchored}): entries ${stream.lastSeq + 1}–${a.toSeq} are missing`)
  }
  if (lastSeal === undefined) findings.push(`the seal stream holds no seal, but seals up to ${a.toSeq} were stored (${anchored})`)
  else if (lastSeal.toSeq < a.toSeq) findings.push(`the seals end at ${lastSeal.toSeq}, but a seal up to ${a.toSeq} was stored (${anchored})`)
  else if (observed.sealAtAnchor !== a.sealHash) {
    findings.push(`the seal stream no longer holds the seal ${a.fromSeq}-${a.toSeq} ${anchored} at its sequence ${a.sealStreamSeq}: the seals were replaced`)
  }
  return findings
}

/**
 * The baseline sealing is checked against: the file's newest anchor or acknowledgment, or
 * what this process sealed last if that is newer (the file may have failed to be written).
 */
export const baselineOf = (state: AnchorState, ownLast: SealAnchor | undefined): TrailBaseline | undefined => {
  const ack = state.acknowledgment
  // What this process sealed before an acknowledgment binds no more than the file's anchors before it.
  const own = ownLast !== undefined && (ack === undefined || ownLast.anchoredAt > ack.at) ? ownLast : undefined
  const anchor = state.latest === undefined ? own : own === undefined || state.latest.toSeq >= own.toSeq ? state.latest : own
  if (anchor !== undefined) return { _tag: "Anchored", anchor }
  return ack === undefined ? undefined : { _tag: "Acknowledged", acknowledgment: ack }
}

/** Where in the seal stream the baseline's seal is stored, to be read back and compared. */
export const baselineSealStreamSeq = (baseline: TrailBaseline | undefined): number | undefined =>
  baseline === undefined
    ? undefined
    : baseline._tag === "Anchored"
    ? baseline.anchor.sealStreamSeq
    : baseline.acknowledgment.lastSeal?.sealStreamSeq
