import { Effect, Redacted, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { hashResponderToken, newResponderDeviceId, newResponderToken } from "@wt/dispatch"
import { rowsOf } from "./rows.ts"

/** Whose phone a responder device is: a team member's, or a next of kin's in one resident's cascade. */
export type ResponderDeviceHolder =
  | { readonly kind: "member"; readonly memberId: string }
  | { readonly kind: "contact"; readonly residentId: string; readonly position: number }

/** A responder device as an administrator sees it: never its token, nor the token's hash. */
export interface ResponderDeviceRecord {
  readonly id: string
  readonly tenant: string
  readonly origin: "demo" | "admin"
  readonly holder: ResponderDeviceHolder
  readonly label: string
  readonly createdAt: string
  readonly revokedAt: string | undefined
}

const memberRows = rowsOf("responder_members", Schema.Struct({ name: Schema.String }))
const contactRows = rowsOf("contacts", Schema.Struct({ name: Schema.String }))
const deviceRows = rowsOf("responder_devices", Schema.Struct({
  id: Schema.String,
  origin: Schema.Literals(["demo", "admin"]),
  kind: Schema.Literals(["member", "contact"]),
  member_id: Schema.NullOr(Schema.String),
  resident_id: Schema.NullOr(Schema.String),
  contact_position: Schema.NullOr(Schema.Number),
  label: Schema.String,
  created_at: Schema.Union([Schema.Date, Schema.String]),
  revoked_at: Schema.NullOr(Schema.Union([Schema.Date, Schema.String]))
}))

export class ResponderHolderNotFound extends Schema.TaggedError<ResponderHolderNotFound>()("ResponderHolderNotFound", {
  tenant: Schema.String,
  message: Schema.String
}) {}

/**
 * Issues a responder device to a team member or a next of kin of the tenant: a new random token,
 * returned this once (to be put on the phone), only its sha256 stored. The holder must exist in the
 * tenant; a contact position counts the resident's contacts in order from 1.
 */
export const issueResponderDevice = Effect.fn("Registry.issueResponderDevice")(function*(input: {
  readonly tenant: string
  readonly holder: ResponderDeviceHolder
  readonly label?: string
}) {
  const sql = yield* SqlClient.SqlClient
  const { tenant, holder } = input
  let label: string
  if (holder.kind === "member") {
    const [member] = yield* sql`SELECT name FROM responder_members WHERE tenant = ${tenant} AND id = ${holder.memberId}`.pipe(Effect.flatMap(memberRows))
    if (member === undefined) return yield* new ResponderHolderNotFound({ tenant, message: `no team member ${holder.memberId} in tenant ${tenant}` })
    label = input.label ?? `${member.name} phone`
  } else {
    const contacts = yield* sql`
      SELECT name FROM contacts WHERE tenant = ${tenant} AND resident_id = ${holder.residentId} ORDER BY position`.pipe(Effect.flatMap(contactRows))
    const contact = contacts[holder.position - 1]
    if (contact === undefined) {
      return yield* new ResponderHolderNotFound({ tenant, message: `resident ${holder.residentId} of tenant ${tenant} has no contact ${holder.position}` })
    }
    label = input.label ?? contact.name
  }
  const token = newResponderToken()
  const id = newResponderDeviceId()
  yield* sql`INSERT INTO responder_devices ${sql.insert({
    token_hash: hashResponderToken(token),
    id,
    tenant,
    origin: "admin",
    kind: holder.kind,
    member_id: holder.kind === "member" ? holder.memberId : null,
    resident_id: holder.kind === "contact" ? holder.residentId : null,
    contact_position: holder.kind === "contact" ? holder.position : null,
    label
  })}`
  return { id, token: Redacted.make(token) }
})

/** Revokes a device of the tenant by its id: its token stops working at once. False when there was none to revoke. */
export const revokeResponderDevice = Effect.fn("Registry.revokeResponderDevice")(function*(tenant: string, id: string) {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql`
    UPDATE responder_devices SET revoked_at = now() WHERE tenant = ${tenant} AND id = ${id} AND revoked_at IS NULL RETURNING id`
  return rows.length > 0
})

/** The tenant's responder devices, revoked ones too. */
export const listResponderDevices = Effect.fn("Registry.listResponderDevices")(function*(tenant: string) {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql`
    SELECT id, origin, kind, member_id, resident_id, contact_position, label, created_at, revoked_at
    FROM responder_devices WHERE tenant = ${tenant} ORDER BY kind, member_id, resident_id, contact_position, created_at`.pipe(
    Effect.flatMap(deviceRows)
  )
  return rows.map((r): ResponderDeviceRecord => ({
    id: r.id,
    tenant,
    origin: r.origin,
    holder: r.kind === "member"
      ? { kind: "member", memberId: r.member_id ?? "" }
      : { kind: "contact", residentId: r.resident_id ?? "", position: r.contact_position ?? 0 },
    label: r.label,
    createdAt: new Date(r.created_at).toISOString(),
    revokedAt: r.revoked_at === null ? undefined : new Date(r.revoked_at).toISOString()
  }))
})
