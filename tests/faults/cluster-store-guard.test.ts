import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { startLocalCluster } from "@wt/launcher"

const dataDir = mkdtempSync(join(tmpdir(), "wt-cluster-guard-"))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

/**
 * Two clusters on one data directory would be six nats-servers writing three stores (a second
 * `pnpm start --cluster` in the same checkout): the second start is refused while the first's
 * nodes run, and allowed again once they stopped.
 */
describe("the local cluster's store", () => {
  it.live("a second cluster on the same data directory is refused while the first runs, and starts once it stopped", () =>
    Effect.gen(function*() {
      const refused = yield* Effect.scoped(
        Effect.gen(function*() {
          yield* startLocalCluster({ dataDir })
          return yield* Effect.flip(Effect.scoped(startLocalCluster({ dataDir })))
        })
      )
      expect(refused.message).toMatch(/a cluster already runs on .*nats-server pids \d+, \d+, \d+/u)
      const again = yield* Effect.scoped(Effect.map(startLocalCluster({ dataDir }), (cluster) => cluster.nodes.length))
      expect(again).toBe(3)
    }), 240_000)

  it.live("its nodes run nats-server 2.10 or later (deploy/nats/fetch-cluster-server.sh): 2.9.10 lost acknowledged writes under a frozen node (docs/nats-cluster-server.md)", () =>
    Effect.gen(function*() {
      const versions = yield* Effect.scoped(
        Effect.gen(function*() {
          const cluster = yield* startLocalCluster({ dataDir })
          return yield* Effect.forEach(cluster.nodes, (node) =>
            Effect.promise(() => fetch(`${node.monitorUrl}/varz`).then((r) => r.json() as Promise<{ version: string }>)).pipe(Effect.map((v) => v.version)))
        })
      )
      expect(versions).toHaveLength(3)
      for (const version of versions) {
        const [major, minor] = version.split(".").map(Number)
        expect(major! > 2 || (major === 2 && minor! >= 10), `nats-server ${version}`).toBe(true)
      }
    }), 240_000)
})
