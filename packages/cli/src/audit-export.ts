import { appendAuditEntry, readKeyRotations, readPublishedKeys, readSeals, readStreamRange, SealedStream } from "@wt/audit-log"
import { Clock, Effect } from "effect"
import { randomUUID } from "node:crypto"
import { userInfo } from "node:os"
import { ExportFile } from "./export-file.ts"
import { entryLine, endLine, headerLine, keyLine, rotationLine, sealLine } from "./audit-export-format.ts"
import { AuditCliError, alignToSeals, requireAuditStreams } from "./audit-verification.ts"

/**
 * Writes WT_AUDIT (whole seals from `from` to `to`), every seal, every published key and key rotation
 * to `out` as JSON lines, then records the export itself in the audit trail, once
 * per tenant whose entries it contains.
 */
export const exportAuditTrail = Effect.fn("cli.audit.export")(function*(options: {
  readonly out: string
  readonly from: number | undefined
  readonly to: number | undefined
}) {
  yield* requireAuditStreams
  const seals = yield* readSeals
  const keys = yield* readPublishedKeys
  const rotations = yield* readKeyRotations
  const { fromSeq, toSeq } = alignToSeals(seals, options.from, options.to)
  const exportedAt = new Date(yield* Clock.currentTimeMillis).toISOString()
  const writer = yield* Effect.try({
    try: () => new ExportFile(options.out),
    catch: (cause) => new AuditCliError({ message: `cannot write ${options.out}: ${String(cause)}` })
  })
  const tenants = new Set<string>()
  let entries = 0
  let lastSeq: number | undefined
  yield* Effect.gen(function*() {
    writer.line(headerLine({ stream: SealedStream, exportedAt, fromSeq: fromSeq ?? 1, ...(toSeq === undefined ? {} : { toSeq }) }))
    for (const key of keys) writer.line(keyLine(key))
    for (const rotation of rotations) writer.line(rotationLine(rotation))
    for (const seal of seals) writer.line(sealLine(seal))
    yield* readStreamRange({
      stream: SealedStream,
      ...(fromSeq === undefined ? {} : { fromSeq }),
      ...(toSeq === undefined ? {} : { toSeq }),
      onMessage: (m) => {
        writer.line(entryLine(m.seq, m.subject, m.data))
        tenants.add(m.subject.split(".")[2] ?? "")
        entries++
        lastSeq = m.seq
      }
    })
    writer.line(endLine(entries, lastSeq))
  }).pipe(Effect.ensuring(Effect.sync(() => writer.close())))

  const actor = { kind: "admin" as const, id: userInfo().username }
  for (const tenant of tenants) {
    yield* appendAuditEntry({
      id: `export-${randomUUID()}`,
      tenant,
      kind: "export",
      at: exportedAt,
      actor,
      subject: {},
      summary: `audit trail exported with wt audit export: sequences ${fromSeq ?? 1}–${lastSeq ?? "none"}, ${entries} entries, ${seals.length} seals`,
      data: { fromSeq: fromSeq ?? 1, lastSeq: lastSeq ?? null, entries, seals: seals.length }
    })
  }
  return { entries, seals: seals.length, keys: keys.length, fromSeq, lastSeq, tenants: [...tenants] }
})
