import { IncidentViews } from "@wt/read-models"
import { Clock, Console, Effect, Layer, Option, Schema } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { SqlClient } from "effect/sql"
import { reportingFailures } from "../cli-failure.ts"
import { readPinnedKey } from "../audit-verification.ts"
import { CliDatabase } from "../database.ts"
import { incidentIntegrity } from "../incident-integrity.ts"
import { CliNats } from "../nats.ts"
import { ownershipIntervals } from "../ownership.ts"
import { timelineHtml, timelineText } from "../timeline-report.ts"

export class IncidentNotFound extends Schema.TaggedError<IncidentNotFound>()("IncidentNotFound", { incidentId: Schema.String }) {
  override get message() {
    return `no incident ${this.incidentId} in the read models`
  }
}

export const timeline = Command.make(
  "timeline",
  {
    incident: Argument.String("incident").pipe(Argument.withDescription("Incident id")),
    json: Flag.Boolean("json").pipe(Flag.withDescription("Print JSON: the incident, every timeline entry and the ownership intervals"), Flag.withDefault(false)),
    html: Flag.Boolean("html").pipe(Flag.withDescription("Print a printable HTML page (redirect it to a file)"), Flag.withDefault(false)),
    verify: Flag.Boolean("verify").pipe(
      Flag.withDescription("Also prove every audit entry about the incident against the signed seals (reads WT_AUDIT; JSON output carries the proofs)"),
      Flag.withDefault(false)
    ),
    publicKey: Flag.String("public-key").pipe(Flag.withDescription("With --verify: the key seals must be signed with (PEM, or the JSON of GET /audit/public-key)"), Flag.optional)
  },
  Effect.fn("cli.timeline")(function*({ incident, json, html, verify, publicKey }) {
    const sql = yield* SqlClient.SqlClient
    const views = yield* IncidentViews
    // A supervisor's tool: the incident's own tenant, whichever it is.
    const tenants = (yield* sql<{ tenant: string }>`SELECT tenant FROM incidents WHERE incident_id = ${incident}`).map((r) => r.tenant)
    const view = yield* views.get(tenants, incident)
    const rows = yield* views.timeline(tenants, incident)
    if (Option.isNone(view) || Option.isNone(rows)) return yield* new IncidentNotFound({ incidentId: incident })
    const pinned = Option.isSome(publicKey) ? yield* readPinnedKey(publicKey.value) : undefined
    const integrity = verify ? yield* incidentIntegrity(incident, pinned).pipe(Effect.provide(CliNats)) : undefined
    const report = {
      incident: view.value,
      timeline: rows.value,
      ownership: ownershipIntervals(rows.value, view.value.tenant),
      generatedAt: new Date(yield* Clock.currentTimeMillis).toISOString(),
      ...(integrity === undefined ? {} : { integrity })
    }
    yield* Console.log(json ? JSON.stringify(report, null, 2) : html ? timelineHtml(report) : timelineText(report))
  }, Effect.provide(IncidentViews.layer.pipe(Layer.provideMerge(CliDatabase))), reportingFailures)
).pipe(
  Command.withDescription("An incident minute by minute: every entry with actor and handling code, and who owned it when"),
  Command.withExamples([
    { command: "wt timeline inc-0192…", description: "As text" },
    { command: "wt timeline inc-0192… --html > timeline.html", description: "A printable page" },
    { command: "wt timeline inc-0192… --verify --json", description: "With a Merkle proof of every audit entry about it" }
  ])
)
