import { Effect, Redacted, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { hashResponderToken, newResponderDeviceId, newResponderToken } from "@wt/dispatch"
import { rowsOf } from "../rows.ts"
import type { DemoResponderTokens } from "./demo-secrets.ts"

/** Demo zones by postcode, matching the demo fleet's places. */
export const DemoZones = [
  { id: "sentrum", name: "Fjordvik sentrum", postcodes: ["9990", "9991"] },
  { id: "nord", name: "Nordbotn og Skarvholmen", postcodes: ["9993", "9997"] },
  { id: "sor", name: "Sandnesvåg", postcodes: ["9995"] }
] as const

/** Demo home-care teams; every team has a day, an evening and a night shift, so one is always on duty. */
export const DemoTeams = [
  { id: "team-sentrum-1", name: "Hjemmetjenesten Sentrum 1", zone: "sentrum" },
  { id: "team-sentrum-2", name: "Hjemmetjenesten Sentrum 2", zone: "sentrum" },
  { id: "team-nord", name: "Hjemmetjenesten Nord", zone: "nord" },
  { id: "team-sor", name: "Hjemmetjenesten Sør", zone: "sor" }
] as const

const memberNames = ["Mari", "Jonas", "Ingrid", "Ola", "Sofie", "Emil", "Nora", "Henrik"]
export const DemoMembers = DemoTeams.flatMap((t, i) =>
  [0, 1].map((j) => ({ id: `${t.id}-m${j + 1}`, teamId: t.id, name: `${memberNames[(i * 2 + j) % memberNames.length]} (${t.name})` }))
)

const contactRows = rowsOf("contacts", Schema.Struct({ resident_id: Schema.String, position: Schema.Number, name: Schema.String }))

const shifts = [{ from: 7 * 60, to: 15 * 60 }, { from: 15 * 60, to: 23 * 60 }, { from: 23 * 60, to: 7 * 60 }]

/** The device name of a team member's phone, and of a next of kin's phone in one resident's cascade. */
export const memberDevice = (memberId: string) => `member:${memberId}`
export const contactDevice = (residentId: string, position: number) => `contact:${residentId}:${position}`

/**
 * The demo's responder phones: `{ tokens }` when the demo's simulated responders run (each
 * device keeps the token it was given before, a device without one gets a new random token),
 * `"off"` when they do not (the demo's devices are removed, so no earlier token still works);
 * left out, devices stay as they are (a refresh of the demo tenant by `pnpm wt seed`).
 */
export type DemoRespondersOption = { readonly tokens: Redacted.Redacted<DemoResponderTokens> } | "off"

/**
 * Seeds the demo tenant's dispatch side: zones, teams with shifts and members, the outside
 * agencies and their channels, and the plans' handover settings (the dementia plan calls next
 * of kin in order). With `responders`, also a phone per member and per next of kin, of origin
 * `demo`, only their tokens' sha256 stored; the tokens themselves are returned for the data
 * directory and the simulator. A tenant without the demo has no responder device until an
 * administrator issues one (see responder-devices.ts).
 */
export const seedDemoResponders = Effect.fn("DemoSeeder.seedDemoResponders")(function*(options: {
  readonly tenant: string
  readonly responders?: DemoRespondersOption
}) {
  const sql = yield* SqlClient.SqlClient
  const tenant = options.tenant
  const contacts = yield* sql`
    SELECT resident_id, position, name FROM contacts WHERE tenant = ${tenant} ORDER BY resident_id, position`.pipe(Effect.flatMap(contactRows))
  const rank = new Map<string, number>()
  const contactDevices = contacts.map((c) => {
    const n = (rank.get(c.resident_id) ?? 0) + 1
    rank.set(c.resident_id, n)
    return { residentId: c.resident_id, position: n, name: c.name }
  })
  const given = options.responders !== undefined && options.responders !== "off" ? Redacted.value(options.responders.tokens) : undefined
  const issued: Record<string, string> = {}
  const tokenOf = (device: string) => (issued[device] = given?.[device] ?? newResponderToken())
  const devices = given === undefined ? [] : [
    ...DemoMembers.map((m) => ({
      token_hash: hashResponderToken(tokenOf(memberDevice(m.id))),
      tenant,
      kind: "member",
      member_id: m.id,
      resident_id: null,
      contact_position: null,
      label: `${m.name} phone`
    })),
    ...contactDevices.map((c) => ({
      token_hash: hashResponderToken(tokenOf(contactDevice(c.residentId, c.position))),
      tenant,
      kind: "contact",
      member_id: null,
      resident_id: c.residentId,
      contact_position: c.position,
      label: c.name
    }))
  ]
  yield* sql.withTransaction(Effect.gen(function*() {
    for (const z of DemoZones) {
      yield* sql`INSERT INTO dispatch_zones (tenant, id, name, postcodes) VALUES (${tenant}, ${z.id}, ${z.name}, ${[...z.postcodes]})
        ON CONFLICT (tenant, id) DO UPDATE SET name = excluded.name, postcodes = excluded.postcodes`
    }
    for (const t of DemoTeams) {
      yield* sql`INSERT INTO responder_teams (tenant, id, name, zone) VALUES (${tenant}, ${t.id}, ${t.name}, ${t.zone})
        ON CONFLICT (tenant, id) DO UPDATE SET name = excluded.name, zone = excluded.zone, active = true`
      yield* sql`DELETE FROM responder_shifts WHERE tenant = ${tenant} AND team_id = ${t.id}`
      for (const s of shifts) {
        yield* sql`INSERT INTO responder_shifts (tenant, team_id, from_minute, to_minute) VALUES (${tenant}, ${t.id}, ${s.from}, ${s.to})`
      }
    }
    for (const m of DemoMembers) {
      yield* sql`INSERT INTO responder_members (tenant, id, team_id, name) VALUES (${tenant}, ${m.id}, ${m.teamId}, ${m.name})
        ON CONFLICT (tenant, id) DO UPDATE SET team_id = excluded.team_id, name = excluded.name`
    }
    if (options.responders !== undefined) {
      // Demo devices whose token is not among today's (an older token, or the demo turned off) stop working.
      const kept = devices.map((d) => d.token_hash)
      yield* sql`DELETE FROM responder_devices WHERE tenant = ${tenant} AND origin = 'demo'
        AND NOT (token_hash = ANY(${kept}::text[]))`
    }
    for (let i = 0; i < devices.length; i += 500) {
      const batch = devices.slice(i, i + 500).map((d) => ({ ...d, id: newResponderDeviceId(), origin: "demo" }))
      if (batch.length > 0) {
        yield* sql`INSERT INTO responder_devices ${sql.insert(batch as unknown as readonly [Record<string, unknown>])} ON CONFLICT (token_hash) DO NOTHING`
      }
    }
    for (const a of [
      { code: "110", name: "Brann og redning (110-sentralen)" },
      { code: "112", name: "Politi (112)" },
      { code: "113", name: "AMK (113)" }
    ]) {
      yield* sql`INSERT INTO agencies (tenant, code, name, channel) VALUES (${tenant}, ${a.code}, ${a.name}, ${`wt.agency.${tenant}.${a.code}`})
        ON CONFLICT (tenant, code) DO UPDATE SET name = excluded.name, channel = excluded.channel`
    }
    yield* sql`UPDATE response_plans SET handover = ${JSON.stringify({ contactCascade: true, contactTimeoutS: 60 })}::jsonb
      WHERE tenant = ${tenant} AND id = 'plan-dementia'`
  }))
  return {
    teams: DemoTeams.length,
    members: DemoMembers.length,
    contactDevices: given === undefined ? 0 : contactDevices.length,
    ...(given !== undefined ? { tokens: Redacted.make<DemoResponderTokens>(issued) } : {})
  }
})
