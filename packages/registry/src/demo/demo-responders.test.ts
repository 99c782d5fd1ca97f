import { assert, describe, layer } from "@effect/vitest"
import { TestDatabase } from "@wt/db/testing"
import { hashResponderToken } from "@wt/dispatch"
import { Effect, Exit, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { createHmac } from "node:crypto"
import { DemoMembers, memberDevice } from "./demo-responders.ts"
import { Registry } from "../registry.ts"
import { issueResponderDevice, listResponderDevices, revokeResponderDevice } from "../responder-devices.ts"
import { DemoSeeder } from "./demo-seeder.ts"

const ingestKey = Redacted.make("test-ingest-key-responders-0123456789")
const password = Redacted.make("correct horse battery staple")
const residents = 12
const Env = DemoSeeder.layer.pipe(Layer.provideMerge(Registry.layer), Layer.provideMerge(TestDatabase))

const devices = (tenant = "demo") =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ token_hash: string; origin: string; kind: string; revoked_at: Date | null }>`
      SELECT token_hash, origin, kind, revoked_at FROM responder_devices WHERE tenant = ${tenant} ORDER BY token_hash`)

describe("the demo's responder devices on PostgreSQL", () => {
  layer(Env, { timeout: 60_000 })((it) => {
    it.effect("without the demo's simulated responders, the demo tenant is seeded with no responder device at all", () =>
      Effect.gen(function*() {
        const seeder = yield* DemoSeeder
        const summary = yield* seeder.seed({ ingestKey, password, residents, neighbour: true })
        assert.isUndefined(summary.responderTokens)
        assert.deepStrictEqual(yield* devices("demo"), [])
        assert.deepStrictEqual(yield* devices("north"), [])
        // Its teams and members are there, for an administrator to issue phones to.
        const sql = yield* SqlClient.SqlClient
        const [members] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM responder_members WHERE tenant = 'demo'`
        assert.strictEqual(members!.n, DemoMembers.length)
      }))

    it.effect("with them, each member's and next of kin's phone gets a random token of its own, only its sha256 stored, none derived from the ingest key", () =>
      Effect.gen(function*() {
        const seeder = yield* DemoSeeder
        const summary = yield* seeder.seed({ ingestKey, password, residents, responders: { tokens: Redacted.make({}) } })
        const tokens = Redacted.value(summary.responderTokens!)
        const sql = yield* SqlClient.SqlClient
        const [contacts] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM contacts WHERE tenant = 'demo'`
        assert.strictEqual(Object.keys(tokens).length, DemoMembers.length + contacts!.n)
        assert.isString(tokens[memberDevice(DemoMembers[0]!.id)])
        assert.isTrue(Object.keys(tokens).some((d) => d.startsWith("contact:")))
        const values = Object.values(tokens)
        assert.strictEqual(new Set(values).size, values.length)
        for (const t of values) assert.isAtLeast(Buffer.from(t.replace(/^rsp_/, ""), "base64url").length, 16)
        const stored = yield* devices("demo")
        assert.deepStrictEqual(stored.map((d) => d.token_hash), values.map(hashResponderToken).sort())
        assert.isTrue(stored.every((d) => d.origin === "demo" && d.revoked_at === null))
        // The old derivation (an HMAC of the ingest key) matches nothing stored.
        const old = (device: string) => `rsp_demo_${createHmac("sha256", Redacted.value(ingestKey)).update(`responder:${device}`).digest("base64url").slice(0, 32)}`
        const hashes = new Set(stored.map((d) => d.token_hash))
        for (const device of Object.keys(tokens)) assert.isFalse(hashes.has(hashResponderToken(old(device))))
      }))

    it.effect("a restart with the kept tokens keeps them; a token not kept is replaced and stops working; off removes the demo's phones, an administrator's stay", () =>
      Effect.gen(function*() {
        const seeder = yield* DemoSeeder
        const first = Redacted.value((yield* seeder.seed({ ingestKey, password, residents, responders: { tokens: Redacted.make({}) } })).responderTokens!)
        const again = Redacted.value((yield* seeder.seed({ ingestKey, password, residents, responders: { tokens: Redacted.make(first) } })).responderTokens!)
        assert.deepStrictEqual(again, first)
        assert.deepStrictEqual((yield* devices("demo")).map((d) => d.token_hash), Object.values(first).map(hashResponderToken).sort())

        const lost = memberDevice(DemoMembers[1]!.id)
        const { [lost]: _, ...kept } = first
        const renewed = Redacted.value((yield* seeder.seed({ ingestKey, password, residents, responders: { tokens: Redacted.make(kept) } })).responderTokens!)
        assert.notStrictEqual(renewed[lost], first[lost])
        const hashes = new Set((yield* devices("demo")).map((d) => d.token_hash))
        assert.isFalse(hashes.has(hashResponderToken(first[lost]!)))
        assert.isTrue(hashes.has(hashResponderToken(renewed[lost]!)))

        const issued = yield* issueResponderDevice({ tenant: "demo", holder: { kind: "member", memberId: DemoMembers[0]!.id } })
        // A refresh that says nothing about responders (pnpm wt seed) leaves every phone as it is.
        yield* seeder.seed({ ingestKey, password, residents })
        assert.strictEqual((yield* devices("demo")).length, Object.keys(renewed).length + 1)
        yield* seeder.seed({ ingestKey, password, residents, responders: "off" })
        const left = yield* devices("demo")
        assert.deepStrictEqual(left.map((d) => [d.token_hash, d.origin]), [[hashResponderToken(Redacted.value(issued.token)), "admin"]])
      }))

    it.effect("an administrator issues a phone to a member or a next of kin of the tenant only, sees it without its token, and revokes it", () =>
      Effect.gen(function*() {
        const seeder = yield* DemoSeeder
        yield* seeder.seed({ ingestKey, password, residents, neighbour: true })
        const sql = yield* SqlClient.SqlClient
        const [contact] = yield* sql<{ resident_id: string }>`SELECT resident_id FROM contacts WHERE tenant = 'demo' ORDER BY resident_id LIMIT 1`
        const phone = yield* issueResponderDevice({ tenant: "demo", holder: { kind: "contact", residentId: contact!.resident_id, position: 1 } })
        const listed = (yield* listResponderDevices("demo")).find((d) => d.id === phone.id)
        assert.deepStrictEqual(listed?.holder, { kind: "contact", residentId: contact!.resident_id, position: 1 })
        assert.strictEqual(listed?.origin, "admin")
        assert.notInclude(JSON.stringify(listed), Redacted.value(phone.token))
        assert.notInclude(JSON.stringify(listed), hashResponderToken(Redacted.value(phone.token)))
        // A member of another tenant, or a contact that does not exist, gets nothing.
        const wrongTenant = yield* Effect.exit(issueResponderDevice({ tenant: "north", holder: { kind: "member", memberId: DemoMembers[0]!.id } }))
        assert.isTrue(Exit.isFailure(wrongTenant))
        const noContact = yield* Effect.exit(issueResponderDevice({ tenant: "demo", holder: { kind: "contact", residentId: contact!.resident_id, position: 99 } }))
        assert.isTrue(Exit.isFailure(noContact))
        // Revoking is per tenant: north cannot revoke demo's phone.
        assert.isFalse(yield* revokeResponderDevice("north", phone.id))
        assert.isTrue(yield* revokeResponderDevice("demo", phone.id))
        assert.isFalse(yield* revokeResponderDevice("demo", phone.id))
        assert.isString((yield* listResponderDevices("demo")).find((d) => d.id === phone.id)?.revokedAt)
      }))
  })
})
