/**
 * Reproduces what the fault suite found first: on a three-node cluster of this
 * machine's nats-server (Debian 2.9.10), two publishes to one subject carrying the same
 * `Nats-Expected-Last-Subject-Sequence` are often BOTH stored on an R3 stream; on R1 exactly one
 * is. The check is made by the leader before the write is proposed, not against writes in flight
 * (nats-io/nats-server#4320, fixed by #4319 in July 2023, after 2.9.20). Whatever relies on that
 * header as a compare-and-set is not one on R3 with such a server: the audit seals (so the
 * launcher runs one sealing copy of audit); incident writes and the open-incident pointer also
 * name the state they expect in their message id, whose duplicate check does hold in flight.
 *
 *   pnpm exec node tests/faults/expected-seq-race.ts [--pairs 200]
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { headers } from "@nats-io/transport-node"
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { startLocalCluster } from "@wt/launcher"
import { makeNats } from "@wt/nats"
import { rawClientOf } from "./raw-client.ts"

const { values: flags } = parseArgs({ args: process.argv.slice(2), options: { pairs: { type: "string", default: "200" } }, strict: true })
const pairs = Number(flags.pairs)

const program = Effect.gen(function*() {
  const dataDir = yield* Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "wt-cas-race-"))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )
  const cluster = yield* startLocalCluster({ dataDir, testUser: true })
  // Two writers on two nodes, as two copies of a service would be.
  const a = yield* rawClientOf(yield* makeNats({ url: cluster.nodes[0]!.clientUrl, name: "writer-a", ...cluster.access("test") }))
  const b = yield* rawClientOf(yield* makeNats({ url: cluster.nodes[1]!.clientUrl, name: "writer-b", ...cluster.access("test") }))
  const version = yield* Effect.tryPromise(() => a.jsm.getAccountInfo().then(() => a.nc.info?.version ?? "?"))
  for (const replicas of [1, 3]) {
    const stream = `CAS_RACE_R${replicas}`
    yield* Effect.tryPromise(() => a.jsm.streams.add({ name: stream, subjects: [`cas.r${replicas}.>`], num_replicas: replicas }))
    let both = 0
    for (let i = 0; i < pairs; i++) {
      const subject = `cas.r${replicas}.k${i}`
      const first = yield* Effect.tryPromise(() => a.js.publish(subject, "v1"))
      const expect = () => {
        const h = headers()
        h.set("Nats-Expected-Last-Subject-Sequence", String(first.seq))
        return h
      }
      const settled = yield* Effect.promise(() => Promise.allSettled([a.js.publish(subject, "a", { headers: expect() }), b.js.publish(subject, "b", { headers: expect() })]))
      if (settled.every((s) => s.status === "fulfilled")) both++
    }
    yield* Console.log(`nats-server ${version}, R${replicas}: both conditional writes stored in ${both} of ${pairs} races (a compare-and-set allows one)`)
  }
})

NodeRuntime.runMain(Effect.scoped(program))
