import type { Actor } from "@wt/contracts"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { CliFailure } from "./cli-failure.ts"
import { CliDatabase } from "./database.ts"

/** The service account an export is attributed to when no person is named. */
export const CliServiceAccount: Actor = { kind: "service", id: "wt-cli" }

const roles = new Set(["operator", "supervisor", "admin"])

/**
 * Who an export is recorded as run by: the registered user `--as` names (by id or user
 * name, looked up in the registry, with their role and name), or else the `wt-cli`
 * service account. Never the operating-system user, which says nothing about the
 * person (it is `root` in a container).
 */
export const exporterOf = Effect.fn("cli.fhir.exporter")(function*(as: string | undefined) {
  if (as === undefined) return CliServiceAccount
  const rows = yield* Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return yield* sql<{ readonly id: string; readonly display_name: string; readonly role: string }>`
      SELECT id, display_name, role FROM users WHERE id = ${as} OR username = ${as} ORDER BY (id = ${as}) DESC LIMIT 1`
  }).pipe(
    Effect.provide(CliDatabase),
    Effect.mapError((cause) => new CliFailure({ message: `--as ${as}: cannot read the registry's users (${String(cause)})` }))
  )
  const user = rows[0]
  if (user === undefined || !roles.has(user.role)) return yield* new CliFailure({ message: `--as ${as}: no such user in the registry` })
  return { kind: user.role as "operator" | "supervisor" | "admin", id: user.id, name: user.display_name } satisfies Actor
})
