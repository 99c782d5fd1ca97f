import { publicKeyPem, type SealPublicKey } from "@wt/audit-chain"
import { readPublishedKeys, verifyingKeys } from "@wt/audit"
import { Console, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { exportAuditTrail } from "../audit-export.ts"
import { describeReport, readPinnedKey, requireAuditStreams, verifyExportFile, verifyLive } from "../audit-verification.ts"
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
      Flag.withDescription("PEM file of the key seals must be signed with (from GET /audit/public-key or `wt audit public-key`); default: the published keys, or those in the export"),
      Flag.optional
    ),
    json: Flag.Boolean("json").pipe(Flag.withDescription("Print the verdict as JSON"), Flag.withDefault(false))
  },
  Effect.fn("cli.audit.verify")(function*(flags) {
    const pinned: ReadonlyArray<SealPublicKey> | undefined = Option.isSome(flags.publicKey) ? yield* readPinnedKey(flags.publicKey.value) : undefined
    const report = Option.isSome(flags.file)
      ? yield* verifyExportFile({ file: flags.file.value, pinned })
      : yield* verifyLive({ from: optionalValue(flags.from), to: optionalValue(flags.to), pinned }).pipe(Effect.provide(CliNats))
    const tenant = optionalValue(flags.tenant)
    yield* Console.log(flags.json ? JSON.stringify({ intact: report.verdict._tag === "Intact", ...report }, null, 2) : describeReport(report, tenant).join("\n"))
    if (report.verdict._tag === "Broken") return yield* new RecordNotIntact({ seq: report.verdict.seq, kind: report.verdict.kind })
  }, reportingFailures)
).pipe(
  Command.withDescription("Recompute the seals over the audit trail; exit 0 when intact, 3 naming the first altered, removed, inserted or reordered sequence"),
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
  {},
  Effect.fn("cli.audit.publicKey")(function*() {
    yield* requireAuditStreams
    const published = verifyingKeys(yield* readPublishedKeys)
    if (published.length === 0) yield* Console.error("wt: no seal key has been published yet")
    for (const key of published) yield* Console.log(publicKeyPem(key).trimEnd())
  }, Effect.provide(CliNats), reportingFailures)
).pipe(
  Command.withDescription("Print the published seal-verifying keys (PEM), e.g. to pin with `wt audit verify --public-key`")
)

export const audit = Command.make("audit").pipe(
  Command.withDescription("The tamper-evident audit trail: verify, export"),
  Command.withSubcommands([verify, exportTrail, publicKey])
)
