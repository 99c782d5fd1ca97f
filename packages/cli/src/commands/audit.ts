import { keyFingerprint, publicKeyPem } from "@wt/audit-chain"
import {
  acknowledgeTrail,
  anchorCommandConfig,
  readPublishedKeys,
  rotateSigningKey,
  runAnchorCommand,
  signingKeyFileConfig,
  verifyingKeys
} from "@wt/audit-log"
import { Clock, Console, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { userInfo } from "node:os"
import { resolve } from "node:path"
import { loadAnchors } from "../audit-anchors.ts"
import { AuditCliError } from "../audit-errors.ts"
import { exportAuditTrail } from "../audit-export.ts"
import { describeReport, requireAuditStreams, verifyExportFile, verifyLive } from "../audit-verification.ts"
import { trustRoots } from "../audit-trust.ts"
import { reportingFailures, RecordNotIntact } from "../cli-failure.ts"
import { CliNats } from "../nats.ts"

const optionalValue = <A>(o: Option.Option<A>): A | undefined => Option.getOrUndefined(o)

const verify = Command.make(
  "verify",
  {
    file: Flag.String("file").pipe(Flag.withDescription("Verify an export written by `wt audit export` instead of the live stream"), Flag.optional),
    from: Flag.Int("from").pipe(Flag.withDescription("First stream sequence to verify (widened to its seal)"), Flag.optional),
    to: Flag.Int("to").pipe(Flag.withDescription("Last stream sequence to verify (widened to its seal)"), Flag.optional),
    tenant: Flag.String("tenant").pipe(Flag.withDescription("Report this tenant's entries; the chain is shared, so any break still fails"), Flag.optional),
    publicKey: Flag.String("public-key").pipe(
      Flag.withDescription(
        "PEM file of the key seals must be signed with (from GET /audit/public-key or `wt audit public-key`); default: WT_AUDIT_TRUSTED_KEYS, else this installation's own signing keys. Keys the trail or an export carries are trusted only when a trusted key announced them (a key rotation)"
      ),
      Flag.optional
    ),
    anchors: Flag.String("anchors").pipe(
      Flag.withDescription("Anchors file the seals must still hold (default: WT_AUDIT_ANCHORS_FILE, or <data dir>/audit/anchors.jsonl; for --file, only when given)"),
      Flag.optional
    ),
    json: Flag.Boolean("json").pipe(Flag.withDescription("Print the verdict as JSON"), Flag.withDefault(false))
  },
  Effect.fn("cli.audit.verify")(function*(flags) {
    const roots = yield* trustRoots(flags.publicKey)
    const report = Option.isSome(flags.file)
      ? yield* verifyExportFile({ file: flags.file.value, roots, anchors: Option.isSome(flags.anchors) ? yield* loadAnchors(flags.anchors) : undefined })
      : yield* Effect.gen(function*() {
        // Read before the seals, so every anchor read is one the seals read after it must hold.
        const anchors = yield* loadAnchors(flags.anchors)
        return yield* verifyLive({ from: optionalValue(flags.from), to: optionalValue(flags.to), roots, anchors }).pipe(Effect.provide(CliNats))
      })
    const tenant = optionalValue(flags.tenant)
    const { describe: _, ...json } = report
    yield* Console.log(flags.json ? JSON.stringify({ intact: report.verdict._tag === "Intact", ...json }, null, 2) : describeReport(report, tenant).join("\n"))
    if (report.verdict._tag === "Broken") return yield* new RecordNotIntact({ seq: report.verdict.seq, kind: report.verdict.kind })
  }, reportingFailures)
).pipe(
  Command.withDescription(
    "Recompute the seals over the audit trail and hold them to the anchors kept outside NATS; exit 0 when intact, 3 naming the first altered, removed, inserted or reordered sequence"
  ),
  Command.withExamples([
    { command: "wt audit verify", description: "The live stream" },
    { command: "wt audit verify --file audit.jsonl --public-key audit-key.pem", description: "An export, against a pinned key" }
  ])
)

const exportTrail = Command.make(
  "export",
  {
    out: Flag.String("out").pipe(Flag.withDescription("File to write (JSON lines; created mode 0600)")),
    from: Flag.Int("from").pipe(Flag.withDescription("First stream sequence (widened to its seal)"), Flag.optional),
    to: Flag.Int("to").pipe(Flag.withDescription("Last stream sequence (widened to its seal)"), Flag.optional)
  },
  Effect.fn("cli.audit.export")(function*(flags) {
    const result = yield* exportAuditTrail({ out: flags.out, from: optionalValue(flags.from), to: optionalValue(flags.to) })
    yield* Console.log(
      `Wrote ${flags.out}: ${result.entries} entries (${result.fromSeq ?? "-"}–${result.lastSeq ?? "-"}), ${result.seals} seals, ${result.keys} verifying ${result.keys === 1 ? "key" : "keys"}. The export is recorded in the audit trail.`
    )
  }, Effect.provide(CliNats), reportingFailures)
).pipe(
  Command.withDescription("Write the audit trail, its seals and verifying keys as JSON lines, with every entry's exact stored bytes")
)

const publicKey = Command.make(
  "public-key",
  {
    fingerprint: Flag.Boolean("fingerprint").pipe(Flag.withDescription("Print each key's sha256:<fingerprint> (for WT_AUDIT_TRUSTED_KEYS) instead of its PEM"), Flag.withDefault(false))
  },
  Effect.fn("cli.audit.publicKey")(function*(flags) {
    yield* requireAuditStreams
    const published = verifyingKeys(yield* readPublishedKeys)
    if (published.length === 0) yield* Console.error("wt: no seal key has been published yet")
    for (const key of published) yield* Console.log(flags.fingerprint ? `sha256:${keyFingerprint(key)} ${key.keyId}` : publicKeyPem(key).trimEnd())
  }, Effect.provide(CliNats), reportingFailures)
).pipe(
  Command.withDescription(
    "Print the published seal-verifying keys (PEM), e.g. to pin with `wt audit verify --public-key`. Check them against the audit service's key file before pinning: the published keys are what an attacker on NATS could replace"
  )
)

const rotateKey = Command.make(
  "rotate-key",
  {},
  Effect.fn("cli.audit.rotateKey")(function*() {
    const file = yield* signingKeyFileConfig
    const rotated = yield* rotateSigningKey(file).pipe(Effect.mapError((e) => new AuditCliError({ message: e.message })))
    yield* Console.log([
      `Rotated the seal signing key in ${file}: ${rotated.previous} → ${rotated.next}.`,
      `  ${rotated.previous} is kept in ${resolve(file, "..", "retired")} (it signs its successor's announcement; keep it as safe as the key file).`,
      "  Restart every audit service copy that seals: at start it announces the new key on the trail, signed by the old one,",
      "  and seals with it from then on. Verifiers that pinned the old key accept the new one through that announcement."
    ].join("\n"))
  }, reportingFailures)
).pipe(
  Command.withDescription("Replace the audit service's seal signing key; the old key is retired in the data directory and announces the new one on the trail")
)

const acknowledge = Command.make(
  "acknowledge",
  {
    reason: Flag.String("reason").pipe(Flag.withDescription("Why the trail is accepted as it now is (kept in the anchors file, shown by every later verify)")),
    anchors: Flag.String("anchors").pipe(
      Flag.withDescription("Anchors file the audit service writes (default: WT_AUDIT_ANCHORS_FILE, or <data dir>/audit/anchors.jsonl)"),
      Flag.optional
    )
  },
  Effect.fn("cli.audit.acknowledge")(function*(flags) {
    if (flags.reason.trim() === "") return yield* new AuditCliError({ message: "--reason must say why" })
    const { file } = yield* loadAnchors(flags.anchors)
    const at = new Date(yield* Clock.currentTimeMillis).toISOString()
    const { record, findings } = yield* acknowledgeTrail({ file, by: userInfo().username, reason: flags.reason, at })
    yield* Console.log([
      `Acknowledged ${record.stream} as it now is, in ${file}:`,
      ...findings.map((f) => `  was: ${f}`),
      `  now: created ${record.streamCreated}, ${record.lastSeal === null ? "no seals" : `sealed up to ${record.lastSeal.toSeq}`}`,
      "The audit service resumes sealing within its check interval; wt audit verify will keep naming this acknowledgment."
    ].join("\n"))
    // The external store must learn of it too, or it would keep holding the trail to the old anchors.
    const command = yield* anchorCommandConfig
    if (Option.isSome(command)) {
      yield* runAnchorCommand(command.value, record).pipe(
        Effect.catch((error) => Console.error(`wt: warning: the acknowledgment is in ${file}, but WT_AUDIT_ANCHOR_COMMAND failed: ${error.message}`))
      )
    }
  }, Effect.provide(CliNats), reportingFailures)
).pipe(
  Command.withDescription(
    "After the audit trail went backwards (deleted, re-created, restored), accept it as it now is so sealing resumes; refused when the trail matches its anchors"
  )
)

export const audit = Command.make("audit").pipe(
  Command.withDescription("The tamper-evident audit trail: verify, export, acknowledge a restart"),
  Command.withSubcommands([verify, exportTrail, publicKey, acknowledge, rotateKey])
)
