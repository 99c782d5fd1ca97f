import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { startLocalCluster } from "@wt/launcher"
import { makeNats } from "@wt/nats"

/**
 * A fresh three-node cluster for this scope, on a data directory of its own that is removed once
 * the nodes have stopped, and a way to connect to any one of its nodes as the test user, as a
 * copy of a service on that node would be.
 */
export const testCluster = Effect.fn("TestCluster.start")(function*(label: string) {
  const dataDir = yield* Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), `wt-${label}-`))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )
  const cluster = yield* startLocalCluster({ dataDir, testUser: true })
  const connect = (node: number, name: string) => makeNats({ url: cluster.nodes[node]!.clientUrl, name, ...cluster.access("test") })
  return { cluster, connect }
})
