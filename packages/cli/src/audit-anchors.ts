import { type AnchorState, anchorState } from "@wt/audit-chain"
import { anchorsFileConfig, readAnchors, SealedStream } from "@wt/audit-log"
import { Effect, Option } from "effect"
import { existsSync } from "node:fs"
import { resolve } from "node:path"
import { AuditCliError } from "./audit-errors.ts"

/** The anchors the verifier holds the trail to, and where they came from. */
export interface AnchorSource {
  readonly file: string
  /** Given with --anchors (a missing file is then an error, not a note). */
  readonly explicit: boolean
  readonly exists: boolean
  readonly state: AnchorState
  /** Lines that are not anchor records. */
  readonly unreadable: ReadonlyArray<number>
}

/** `--anchors <file>`, else `WT_AUDIT_ANCHORS_FILE`, else the data directory's `audit/anchors.jsonl`. */
export const loadAnchors = Effect.fn("cli.audit.loadAnchors")(function*(flag: Option.Option<string>) {
  const explicit = Option.isSome(flag)
  const file = explicit ? resolve(flag.value) : yield* anchorsFileConfig
  const exists = existsSync(file)
  if (explicit && !exists) return yield* new AuditCliError({ message: `--anchors ${file}: no such file` })
  const read = yield* readAnchors(file).pipe(Effect.mapError((e) => new AuditCliError({ message: e.message })))
  return { file, explicit, exists, state: anchorState(read.records, SealedStream), unreadable: read.unreadable } satisfies AnchorSource
})
