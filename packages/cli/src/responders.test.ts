import { assert, describe, layer } from "@effect/vitest"
import { PgClient } from "@effect/sql-pg"
import { TestDatabase } from "@wt/db/testing"
import { natsClientEnv, readSubject, startEmbeddedNats } from "@wt/nats"
import { NatsTestServer } from "@wt/nats/testing"
import { Registry } from "@wt/registry"
import { DemoSeeder } from "@wt/registry/demo"
import { Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { createHash } from "node:crypto"
import { cliRunner, scratchDir } from "./cli-harness.ts"

const Env = Layer.mergeAll(DemoSeeder.layer.pipe(Layer.provideMerge(Registry.layer), Layer.provideMerge(TestDatabase)), NatsTestServer.layerNats)

describe("wt responders", () => {
  layer(Env, { excludeTestServices: true, timeout: 120_000 })((it) => {
    it.effect("issues a member's phone a random token shown once, lists it without the token, revokes it; each change audited without the token", () =>
      Effect.gen(function*() {
        const seeder = yield* DemoSeeder
        yield* seeder.seed({ ingestKey: "cli-responders-key", password: "cli-responders-password", residents: 12 })
        const url = Redacted.value((yield* PgClient.PgClient).config.url!)
        const { access, url: natsUrl } = yield* NatsTestServer
        const dir = yield* scratchDir("responders")
        const wt = cliRunner({ DATABASE_URL: url, NATS_URL: natsUrl, WT_DATA_DIR: dir, ...natsClientEnv(access("cli")) }, { timeoutMs: 60_000 })
        const sql = yield* SqlClient.SqlClient

        const issued = yield* wt("responders", "issue", "--tenant", "demo", "--member", "team-nord-m1")
        assert.strictEqual(issued.code, 0, issued.stderr)
        const device = JSON.parse(issued.stdout) as { id: string; token: string; holder: unknown }
        assert.match(device.token, /^rsp_[A-Za-z0-9_-]{32}$/)
        assert.deepStrictEqual(device.holder, { kind: "member", memberId: "team-nord-m1" })
        const [row] = yield* sql<{ token_hash: string; origin: string }>`SELECT token_hash, origin FROM responder_devices WHERE tenant = 'demo' AND id = ${device.id}`
        assert.strictEqual(row!.token_hash, createHash("sha256").update(device.token).digest("hex"))
        assert.strictEqual(row!.origin, "admin")

        const listed = yield* wt("responders", "list", "--tenant", "demo")
        assert.strictEqual(listed.code, 0, listed.stderr)
        assert.include(listed.stdout, device.id)
        assert.notInclude(listed.stdout, device.token)
        assert.notInclude(listed.stdout, row!.token_hash)

        // Another tenant's member, or no holder at all, gets nothing.
        assert.strictEqual((yield* wt("responders", "issue", "--tenant", "north", "--member", "team-nord-m1")).code, 1)
        assert.strictEqual((yield* wt("responders", "issue", "--tenant", "demo")).code, 1)

        const revoked = yield* wt("responders", "revoke", "--tenant", "demo", "--device", device.id)
        assert.strictEqual(revoked.code, 0, revoked.stderr)
        const [after] = yield* sql<{ revoked: boolean }>`SELECT revoked_at IS NOT NULL AS revoked FROM responder_devices WHERE id = ${device.id}`
        assert.isTrue(after!.revoked)
        assert.strictEqual((yield* wt("responders", "revoke", "--tenant", "demo", "--device", device.id)).code, 1)

        const entries = (yield* readSubject("WT_AUDIT", "wt.audit.demo.config_change")).map((m) => new TextDecoder().decode(m.data))
        const mine = entries.filter((e) => e.includes(device.id)).map((e) => JSON.parse(e))
        assert.deepStrictEqual(mine.map((e) => [e.actor.kind, e.data.action]), [["admin", "issued"], ["admin", "revoked"]])
        assert.isTrue(mine.every((e) => !JSON.stringify(e).includes(device.token)))
      }))

    it.effect("hands out no token whose issue it cannot audit: with no audit stream to write to, the new device is revoked again", () =>
      Effect.gen(function*() {
        yield* (yield* DemoSeeder).seed({ ingestKey: "cli-responders-key", password: "cli-responders-password", residents: 12 })
        const url = Redacted.value((yield* PgClient.PgClient).config.url!)
        const dir = yield* scratchDir("responders-no-audit")
        // A nats-server without the platform's streams: the device is stored, its audit entry cannot be.
        const bare = yield* startEmbeddedNats({ dataDir: dir })
        const wt = cliRunner({ DATABASE_URL: url, NATS_URL: bare.url, WT_DATA_DIR: dir, ...natsClientEnv(bare.access!("cli")) }, { timeoutMs: 60_000 })
        const sql = yield* SqlClient.SqlClient
        const failed = yield* wt("responders", "issue", "--tenant", "demo", "--member", "team-sor-m2")
        assert.strictEqual(failed.code, 1)
        assert.notMatch(failed.stdout, /rsp_/)
        const rows = yield* sql<{ revoked: boolean }>`SELECT revoked_at IS NOT NULL AS revoked FROM responder_devices WHERE tenant = 'demo' AND member_id = 'team-sor-m2'`
        assert.deepStrictEqual(rows, [{ revoked: true }])
      }))
  })
})
