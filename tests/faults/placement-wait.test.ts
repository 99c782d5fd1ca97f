import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { startLocalCluster } from "@wt/launcher"
import { defaultNatsSettings, ensureStream, makeNats, Nats, streamSpecs } from "@wt/nats"

const dataDir = mkdtempSync(join(tmpdir(), "wt-placement-"))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

/**
 * CI once failed to provision a test's streams on a cluster it had just started: "no suitable
 * peers for placement", while the meta leader did not yet know every node's JetStream. Here a
 * node is stopped and started again two seconds into the attempt. nats-server 2.10 cannot place
 * three replicas meanwhile and refuses (provisioning tries again until the node is back); 2.11 and
 * later place one on the node away. Either way the stream is made, with three replicas, not refused.
 */
describe("a stream with three replicas, made while a node is away", () => {
  it.live("is made, not refused, with three replicas once the node is back", () =>
    Effect.gen(function*() {
      const cluster = yield* startLocalCluster({ dataDir, testUser: true })
      const nats = yield* makeNats({ url: cluster.nodes[0]!.clientUrl, name: "placement", ...cluster.access("test") })
      const away = cluster.nodes[2]!
      yield* away.stop
      const spec = streamSpecs({ ...defaultNatsSettings, replicas: 3 })[0]!
      const made = yield* ensureStream(spec).pipe(
        Effect.provideService(Nats, nats),
        Effect.forkChild
      )
      yield* Effect.sleep("2 seconds")
      yield* away.start()
      expect(yield* Fiber.join(made)).toBe("created")
      const info = yield* nats.streamInfo(spec.name)
      expect(info.config.num_replicas).toBe(3)
    }).pipe(Effect.scoped), 120_000)
})
