import { assert, describe, layer } from "@effect/vitest"
import { PgClient } from "@effect/sql-pg"
import { TestDatabase } from "@wt/db/testing"
import { Registry } from "@wt/registry"
import { DemoSeeder } from "@wt/registry/demo"
import { Effect, Layer, Redacted } from "effect"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { cliRunner, scratchDir } from "./cli-harness.ts"

const wt = (args: ReadonlyArray<string>, env: Record<string, string>) => cliRunner(env, { unset: ["DATABASE_URL"] })(...args)

const Env = DemoSeeder.layer.pipe(Layer.provideMerge(Registry.layer), Layer.provideMerge(TestDatabase))

describe("wt registry export", () => {
  layer(Env, { timeout: 60_000 })((it) => {
    it.effect("prints the tenant's residents with device ids and types as JSON, via DATABASE_URL or runtime.json", () =>
      Effect.gen(function*() {
        const seeder = yield* DemoSeeder
        yield* seeder.seed({ ingestKey: "cli-test-key", password: "cli-test-password", residents: 12, dc09KeySecret: Redacted.make("cli-test-dc09") })
        const url = Redacted.value((yield* PgClient.PgClient).config.url!)
        const dataDir = yield* scratchDir("registry")

        const direct = yield* wt(["registry", "export", "--tenant", "demo"], { DATABASE_URL: url, WT_DATA_DIR: dataDir })
        assert.strictEqual(direct.code, 0, direct.stderr)
        const exported = JSON.parse(direct.stdout)
        assert.strictEqual(exported.tenant, "demo")
        assert.strictEqual(exported.residents.length, 12)
        assert.deepInclude(exported.residents[0].devices[0], { id: "alarm-000001", type: "safety_alarm" })
        // Each device's identities on the protocols' wires beside it, keys left out.
        const devices = exported.residents.flatMap((r: any) => r.devices)
        assert.deepStrictEqual(devices.find((d: any) => d.id === "alarm-000004").dc09, { account: "11000004", encrypted: true })
        assert.deepStrictEqual(devices.find((d: any) => d.id === "alarm-000001").scaip, { cid: "11000001" })
        const tracker = devices.find((d: any) => d.type === "gps")
        assert.deepStrictEqual(tracker.osmand, { id: tracker.dc09.account })
        assert.notInclude(direct.stdout, "keyHint")

        // A running system announces its database in runtime.json; this process stands in for it.
        writeFileSync(join(dataDir, "runtime.json"), JSON.stringify({ natsUrl: "nats://127.0.0.1:1", databaseUrl: url, pid: process.pid }))
        const viaRuntime = yield* wt(["registry", "export", "--tenant", "demo"], { WT_DATA_DIR: dataDir })
        assert.strictEqual(viaRuntime.code, 0, viaRuntime.stderr)
        assert.deepStrictEqual(JSON.parse(viaRuntime.stdout), exported)
      }))
  })
})
