import { type AuditSeal, type Broken, chainVerifier, checkAgainstAnchors, type KeyRotation, type SealPublicKey, sealPublicKeyFromPem, type Verdict } from "@wt/audit-chain"
import {
  readKeyRotations,
  readPublishedKeys,
  readSeals,
  SealedStream,
  SealStream,
  streamBounds,
  verifyingKeys,
  verifyLiveTrail
} from "@wt/audit-log"
import { Effect, Result } from "effect"
import type { AnchorSource } from "./audit-anchors.ts"
import { AuditCliError } from "./audit-errors.ts"
import { type HeaderLine, parseLine } from "./audit-export-format.ts"
import { describeTrust, resolveTrust, type TrustReport, type TrustRoots } from "./audit-trust.ts"
import { type EntryLineBytes, readEntryLine } from "./export-entry-line.ts"
import { forEachLine } from "./export-lines.ts"

export { AuditCliError }

/** A pinned key file (PEM, or the JSON of `GET /audit/public-key`), as `wt timeline --public-key` reads it. */
export { readKeyFile as readPinnedKey } from "./audit-trust.ts"

/** What the anchors said, for the report. */
export interface AnchorReport {
  readonly file: string
  readonly exists: boolean
  /** Anchors that bind (those since the last acknowledgment). */
  readonly checked: number
  readonly latest: { readonly toSeq: number; readonly anchoredAt: string } | undefined
  readonly acknowledgment: { readonly at: string; readonly by: string; readonly reason: string; readonly previousToSeq: number | undefined } | undefined
  readonly unreadableLines: ReadonlyArray<number>
}

/** What was verified and how it came out. */
export interface VerificationReport {
  readonly source: string
  readonly verdict: Verdict
  readonly fromSeq: number | undefined
  readonly toSeq: number | undefined
  readonly seals: number
  /** The keys seals were held to: pinned ones first, then those announced by rotation. */
  readonly keyIds: ReadonlyArray<string>
  /** Where the pinned keys came from: `flag` (--public-key), `config` (WT_AUDIT_TRUSTED_KEYS), `data-dir` (this installation's keys). */
  readonly keysFrom: TrustRoots["from"]
  readonly keySource: string
  readonly trust: {
    readonly keys: ReadonlyArray<{ readonly keyId: string; readonly announcedBy?: string; readonly validFromSeq?: number; readonly validBeforeSeq?: number }>
    readonly refusedRotations: ReadonlyArray<{ readonly keyId: string; readonly previousKeyId: string; readonly reason: string }>
    readonly unmatchedFingerprints: ReadonlyArray<string>
  }
  readonly entriesByTenant: Readonly<Record<string, number>>
  /** The trust in full, for the words of the report (not in its JSON). */
  readonly describe: TrustReport
  /** Undefined when no anchors were consulted (an export verified without --anchors). */
  readonly anchors: AnchorReport | undefined
}

const anchorReport = (source: AnchorSource, checked: number): AnchorReport => {
  const ack = source.state.acknowledgment
  return {
    file: source.file,
    exists: source.exists,
    checked,
    latest: source.state.latest === undefined ? undefined : { toSeq: source.state.latest.toSeq, anchoredAt: source.state.latest.anchoredAt },
    acknowledgment: ack === undefined ? undefined : { at: ack.at, by: ack.by, reason: ack.reason, previousToSeq: ack.previous?.toSeq },
    unreadableLines: source.unreadable
  }
}

/** The chain's verdict and the anchors' as one: the earlier break wins; the anchors' on a tie, as it says more. */
const withAnchors = (verdict: Verdict, anchored: Broken | undefined): Verdict =>
  anchored !== undefined && (verdict._tag === "Intact" || anchored.seq <= verdict.seq) ? anchored : verdict

/** Fails in words when the audit trail or its seals are not on this NATS at all. */
export const requireAuditStreams = Effect.forEach([SealedStream, SealStream.name], (stream) =>
  streamBounds(stream).pipe(
    Effect.mapError(() => new AuditCliError({ message: `stream ${stream} does not exist on this NATS; has the audit service run against it?` }))
  ), { discard: true })

/** Widens a requested range to whole seals, so every seal in it can be checked against its Merkle root. */
export const alignToSeals = (seals: ReadonlyArray<AuditSeal>, from: number | undefined, to: number | undefined) => {
  const containing = (seq: number) => seals.find((s) => s.fromSeq <= seq && seq <= s.toSeq)
  return {
    fromSeq: from === undefined ? seals[0]?.fromSeq : containing(from)?.fromSeq ?? from,
    toSeq: to === undefined ? undefined : containing(to)?.toSeq ?? to
  }
}

const tenantOf = (subject: string) => subject.split(".")[2] ?? "?"

/** The tenant of a subject given as bytes; consecutive entries mostly repeat a few subjects, so each is decoded once. */
const subjectTenants = () => {
  const known = new Map<string, string>()
  return {
    of: (buf: Buffer, start: number, end: number): string => {
      const subject = buf.toString("latin1", start, end)
      let tenant = known.get(subject)
      if (tenant === undefined) {
        tenant = tenantOf(buf.toString("utf8", start, end))
        known.set(subject, tenant)
      }
      return tenant
    }
  }
}

/** The trust a verification used, as the report (and its JSON) carries it: no key material. */
const trustFields = (trust: TrustReport) => ({
  keyIds: trust.chain.keys.map((k) => k.keyId),
  keysFrom: trust.from,
  keySource: trust.source,
  trust: {
    keys: trust.chain.keys.map(({ keyId, announcedBy, validFromSeq, validBeforeSeq }) => ({
      keyId,
      ...(announcedBy === undefined ? {} : { announcedBy }),
      ...(validFromSeq === undefined ? {} : { validFromSeq }),
      ...(validBeforeSeq === undefined ? {} : { validBeforeSeq })
    })),
    refusedRotations: trust.chain.refused.map((r) => ({ keyId: r.rotation.keyId, previousKeyId: r.rotation.previousKeyId, reason: r.reason })),
    unmatchedFingerprints: trust.unmatchedFingerprints
  },
  describe: trust
})

/** A stream's last sequence, or undefined when it does not exist. */
const lastSeqOf = (stream: string) =>
  streamBounds(stream).pipe(
    Effect.map((b) => b.lastSeq as number | undefined),
    Effect.catch(() => Effect.succeed(undefined))
  )

/**
 * Verifies WT_AUDIT as stored now against WT_AUDIT_SEALS, and both against the anchors:
 * seals and entries that agree with each other can still be a trail deleted and started
 * again, which only the anchors, kept outside NATS, can tell.
 */
export const verifyLive = Effect.fn("cli.audit.verifyLive")(function*(options: {
  readonly from: number | undefined
  readonly to: number | undefined
  readonly roots: TrustRoots
  readonly anchors: AnchorSource
}) {
  const anchors = options.anchors.state.anchors
  const missing = yield* Effect.result(requireAuditStreams)
  if (Result.isFailure(missing)) {
    // Streams that are gone altogether, where the anchors say entries were sealed: not intact, rather than not checkable.
    if (anchors.length === 0) return yield* missing.failure
    const lastSeq = yield* lastSeqOf(SealedStream)
    const sealsThere = (yield* lastSeqOf(SealStream.name)) !== undefined
    const seals = sealsThere ? yield* readSeals : []
    return {
      source: `${SealedStream} (live)`,
      verdict: checkAgainstAnchors(seals, anchors, lastSeq)!,
      fromSeq: undefined,
      toSeq: undefined,
      seals: seals.length,
      ...trustFields(resolveTrust(options.roots, [], [])),
      entriesByTenant: {},
      anchors: anchorReport(options.anchors, anchors.length)
    } satisfies VerificationReport
  }
  const seals = yield* readSeals
  // The keys the trail carries are only candidates: a pinned fingerprint may name one, and a trusted key may announce one.
  const trust = resolveTrust(options.roots, verifyingKeys(yield* readPublishedKeys), yield* readKeyRotations)
  const keys = trust.chain.keys
  const { fromSeq, toSeq } = alignToSeals(seals, options.from, options.to)
  const { verdict, entriesByTenant } = yield* verifyLiveTrail({
    stream: SealedStream,
    seals,
    keys,
    ...(fromSeq === undefined ? {} : { fromSeq }),
    ...(toSeq === undefined ? {} : { toSeq })
  })
  const lastSeq = (yield* streamBounds(SealedStream)).lastSeq
  return {
    source: `${SealedStream} (live)`,
    verdict: withAnchors(verdict, checkAgainstAnchors(seals, anchors, lastSeq)),
    fromSeq,
    toSeq,
    seals: seals.length,
    ...trustFields(trust),
    entriesByTenant,
    anchors: anchorReport(options.anchors, anchors.length)
  } satisfies VerificationReport
})

/**
 * Verifies an export file, reading it line by line. An unreadable entry line counts
 * as the entry that should stand there, so the verdict still names a sequence. Anchors,
 * when given, bind as far as they were written before the export and within its range.
 */
export const verifyExportFile = Effect.fn("cli.audit.verifyExportFile")(function*(options: {
  readonly file: string
  readonly roots: TrustRoots
  readonly anchors: AnchorSource | undefined
}) {
  return yield* Effect.tryPromise({
    try: async (): Promise<VerificationReport> => {
      let header: HeaderLine | undefined
      // Keys and rotations the export carries: candidates only (see resolveTrust).
      const keys: Array<SealPublicKey> = []
      const rotations: Array<KeyRotation> = []
      let trust: TrustReport | undefined
      const trusted = () => (trust ??= resolveTrust(options.roots, keys, rotations))
      const seals: Array<AuditSeal> = []
      const entriesByTenant: Record<string, number> = {}
      let verifier: ReturnType<typeof chainVerifier> | undefined
      let lastSeq = 0
      let lineNo = 0
      const report = (verdict: Verdict): VerificationReport => {
        const anchors = options.anchors === undefined || header === undefined
          ? []
          : options.anchors.state.anchors.filter((a) => a.anchoredAt <= header!.exportedAt && (header!.toSeq === undefined || a.toSeq <= header!.toSeq))
        return {
          source: options.file,
          verdict: withAnchors(verdict, checkAgainstAnchors(seals, anchors, lastSeq)),
          fromSeq: header?.fromSeq,
          toSeq: header?.toSeq,
          seals: seals.length,
          ...trustFields(trusted()),
          entriesByTenant,
          anchors: options.anchors === undefined ? undefined : anchorReport(options.anchors, anchors.length)
        }
      }
      const startEntries = () => {
        lastSeq = (header?.fromSeq ?? seals[0]?.fromSeq ?? 1) - 1
        return chainVerifier(seals, {
          keys: trusted().chain.keys,
          ...(header === undefined ? {} : { fromSeq: header.fromSeq }),
          ...(header?.toSeq === undefined ? {} : { toSeq: header.toSeq })
        })
      }
      let result: VerificationReport | undefined
      const line = (text: string): boolean => {
        lineNo++
        if (text.trim() === "") return true
        const parsed = parseLine(text)
        if (Result.isFailure(parsed)) {
          if (verifier === undefined && !text.startsWith(`{"type":"entry"`)) {
            const at = (seals.at(-1)?.toSeq ?? (header?.fromSeq ?? 1) - 1) + 1
            result = report({ _tag: "Broken", seq: at, kind: "seal", reason: `line ${lineNo} of the export is unreadable (${parsed.failure})` })
            return false
          }
          verifier ??= startEntries()
          // Stands for the entry that should be here; empty bytes match no seal.
          verifier.push(lastSeq + 1, new Uint8Array(0))
          lastSeq++
          return true
        }
        const value = parsed.success
        switch (value.type) {
          case "header":
            header = value.header
            break
          case "key":
            try {
              keys.push(sealPublicKeyFromPem(value.key.publicKeyPem))
            } catch {
              // A key that does not parse verifies nothing; seals signed with it will say so.
            }
            break
          case "rotation":
            rotations.push(value.rotation)
            break
          case "seal":
            if (verifier !== undefined) throw new AuditCliError({ message: `line ${lineNo}: a seal after the entries; not a file written by wt audit export` })
            seals.push(value.seal)
            break
          case "entry": {
            verifier ??= startEntries()
            verifier.push(value.seq, value.bytes)
            lastSeq = value.seq
            const tenant = tenantOf(value.subject)
            entriesByTenant[tenant] = (entriesByTenant[tenant] ?? 0) + 1
            break
          }
          case "end":
            break
        }
        return true
      }
      // Entry lines as written are read from their bytes (see export-entry-line.ts); every
      // other line, and any entry line written differently, is parsed as JSON above.
      const entry: EntryLineBytes = { seq: 0, subjectStart: 0, subjectEnd: 0, length: 0 }
      let unescaped = Buffer.alloc(64 * 1024)
      const tenants = subjectTenants()
      await forEachLine(options.file, (buf, start, end) => {
        if (3 * (end - start) > unescaped.length) unescaped = Buffer.alloc(6 * (end - start))
        const read = readEntryLine(buf, start, end, unescaped, entry)
        if (read === undefined) return line(buf.toString("utf8", start, end))
        lineNo++
        verifier ??= startEntries()
        verifier.push(read.seq, unescaped.subarray(0, read.length))
        lastSeq = read.seq
        const tenant = tenants.of(buf, read.subjectStart, read.subjectEnd)
        entriesByTenant[tenant] = (entriesByTenant[tenant] ?? 0) + 1
        return true
      })
      if (result !== undefined) return result
      if (header === undefined) throw new AuditCliError({ message: `${options.file} has no header line; not a file written by wt audit export` })
      return report((verifier ?? startEntries()).finish())
    },
    catch: (cause) => (cause instanceof AuditCliError ? cause : new AuditCliError({ message: `cannot read ${options.file}: ${String(cause)}` }))
  })
})

/** What the anchors added to the verdict, in words. */
const describeAnchors = (a: AnchorReport | undefined): ReadonlyArray<string> => {
  if (a === undefined) return ["  anchors: not checked (give --anchors to check an export against them)"]
  const lines: Array<string> = []
  if (!a.exists) {
    lines.push(`  anchors: none at ${a.file}: the trail's length is checked against nothing outside NATS (a trail deleted and started again would pass)`)
  } else if (a.latest === undefined) {
    lines.push(`  anchors: ${a.file} holds none that bind${a.acknowledgment === undefined ? "" : " since the acknowledgment below"}`)
  } else {
    lines.push(`  anchors: all ${a.checked} in ${a.file} hold (newest: entries up to ${a.latest.toSeq} sealed, anchored ${a.latest.anchoredAt})`)
  }
  if (a.acknowledgment !== undefined) {
    const ack = a.acknowledgment
    lines.push(
      `  NOTE: the trail was restarted deliberately at ${ack.at} by ${ack.by} ("${ack.reason}")${
        ack.previousToSeq === undefined ? "" : `; entries up to ${ack.previousToSeq} sealed before that are not in this trail`
      }`
    )
  }
  if (a.unreadableLines.length > 0) lines.push(`  warning: ${a.unreadableLines.length} lines of ${a.file} are not anchors (lines ${a.unreadableLines.slice(0, 5).join(", ")}${a.unreadableLines.length > 5 ? ", …" : ""})`)
  return lines
}

/** The verdict as a supervisor reads it. */
export const describeReport = (report: VerificationReport, tenant: string | undefined): ReadonlyArray<string> => {
  const v = report.verdict
  const keys = describeTrust(report.describe)
  const tenants = tenant === undefined
    ? Object.entries(report.entriesByTenant).map(([t, n]) => `  tenant ${t}: ${n} entries`)
    : [`  tenant ${tenant}: ${report.entriesByTenant[tenant] ?? 0} entries (the chain covers all tenants; any break fails verification)`]
  if (v._tag === "Broken") {
    return [
      `NOT INTACT: first bad sequence ${v.seq} (${v.kind}) in ${report.source}`,
      `  ${v.reason}`,
      `  seals: ${report.seals}`,
      ...keys,
      ...describeAnchors(report.anchors)
    ]
  }
  const range = v.firstSeq === undefined ? "no entries" : `entries ${v.firstSeq}–${v.lastSeq}`
  return [
    `INTACT: ${report.source}, ${range}`,
    `  ${v.sealedEntries} entries checked against ${v.sealsChecked} seals (chain of ${v.seals} seals, signatures and links all valid)`,
    ...(v.unsealedEntries > 0 ? [`  ${v.unsealedEntries} entries after seq ${v.lastSealedSeq ?? 0} are not sealed yet (in order, but not yet provable)`] : []),
    ...keys,
    ...describeAnchors(report.anchors),
    ...tenants
  ]
}
