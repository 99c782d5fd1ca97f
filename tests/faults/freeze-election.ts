/**
 * What a frozen stream leader does to writers on the other nodes: starts the three-node cluster,
 * makes an R3 stream, SIGSTOPs the node leading it for `--freeze` seconds, and meanwhile publishes
 * once a second from a client on each node (the frozen one's too, as a service connected to it)
 * and asks each for the stream's leader, printing what answered and when. `--ping-ms` sets the
 * clients' ping interval (default: the services' own); `--meta` freezes the JetStream meta
 * leader instead (stream and consumer set-up, and reads, go through it).
 *
 *   pnpm exec node tests/faults/freeze-election.ts [--freeze 30] [--ping-ms 120000] [--meta]
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { startLocalCluster } from "@wt/launcher"
import { makeNats, PingIntervalMs } from "@wt/nats"
import { rawClientOf } from "./raw-client.ts"

const { values: flags } = parseArgs({ args: process.argv.slice(2), options: { freeze: { type: "string", default: "30" }, "ping-ms": { type: "string" }, meta: { type: "boolean", default: false } }, strict: true })
const freezeMs = Number(flags.freeze) * 1000
const pingIntervalMs = flags["ping-ms"] === undefined ? PingIntervalMs : Number(flags["ping-ms"])

const program = Effect.gen(function*() {
  const dataDir = yield* Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "wt-freeze-"))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )
  const cluster = yield* startLocalCluster({ dataDir, testUser: true })
  const clients = yield* Effect.forEach(cluster.nodes, (node) => makeNats({ url: node.clientUrl, name: `on-${node.name}`, pingIntervalMs, ...cluster.access("test") }).pipe(Effect.flatMap(rawClientOf)))
  yield* Effect.tryPromise(() => clients[0]!.jsm.streams.add({ name: "FREEZE", subjects: ["freeze.>"], num_replicas: 3 }))
  for (let i = 0; i < 20; i++) yield* Effect.tryPromise(() => clients[0]!.js.publish("freeze.warm", "x"))
  const metaLeader = (i: number) =>
    Effect.tryPromise(() =>
      fetch(`${cluster.nodes[i]!.monitorUrl}/jsz`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.json() as Promise<{ meta_cluster?: { leader?: string } }>)
    ).pipe(Effect.map((jsz) => jsz.meta_cluster?.leader ?? "none"), Effect.orElseSucceed(() => "no answer"))
  const streamLeaderName = (yield* Effect.tryPromise(() => clients[0]!.jsm.streams.info("FREEZE"))).cluster?.leader
  const leaderName = flags.meta ? yield* metaLeader(0) : streamLeaderName
  yield* Console.log(`FREEZE led by ${streamLeaderName}, the meta group by ${yield* metaLeader(0)}`)
  const leaderIndex = cluster.nodes.findIndex((n) => n.name === leaderName)
  const all = cluster.nodes.map((_, i) => i)
  yield* Console.log(`freezing ${leaderName} for ${freezeMs / 1000} s; clients ping every ${pingIntervalMs} ms`)
  const t0 = Date.now()
  cluster.nodes[leaderIndex]!.signal("SIGSTOP")
  const since = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`
  const probe = Effect.fn("FreezeElection.probe")(function*(i: number) {
    const { js, jsm } = clients[i]!
    const name = `client of ${cluster.nodes[i]!.name}${i === leaderIndex ? " (frozen)" : ""} now on ${clients[i]!.nc.getServer()}`
    const published = yield* Effect.tryPromise(() => js.publish(`freeze.${cluster.nodes[i]!.name}`, "x", { timeout: 2_000 })).pipe(
      Effect.map((ack) => `stored #${ack.seq}`),
      Effect.catch(() => Effect.succeed("publish failed"))
    )
    const leader = yield* Effect.tryPromise(() => jsm.streams.info("FREEZE")).pipe(
      Effect.map((info) => `leader ${info.cluster?.leader}`),
      Effect.catch(() => Effect.succeed("no answer"))
    )
    const read = yield* Effect.tryPromise(() => jsm.streams.getMessage("FREEZE", { last_by_subj: "freeze.warm" })).pipe(
      Effect.map((m) => (m === null ? "read: none" : `read #${m.seq}`)),
      Effect.catch((e) => Effect.succeed(`read failed (${String((e as { message?: string }).message ?? e).slice(0, 50)})`))
    )
    const meta = i === leaderIndex ? "" : `; meta ${yield* metaLeader(i)}`
    return `${name}: ${published}; ${leader}; ${read}${meta}`
  })
  while (Date.now() - t0 < freezeMs) {
    const lines = yield* Effect.forEach(all, probe, { concurrency: "unbounded" })
    yield* Console.log(`${since()}\n  ${lines.join("\n  ")}`)
    yield* Effect.sleep("1 second")
  }
  cluster.nodes[leaderIndex]!.signal("SIGCONT")
  yield* Console.log(`${since()} thawed`)
  for (let i = 0; i < 20; i++) {
    const lines = yield* Effect.forEach(all, probe, { concurrency: "unbounded" })
    yield* Console.log(`${since()}\n  ${lines.join("\n  ")}`)
    yield* Effect.sleep("1 second")
  }
})

NodeRuntime.runMain(Effect.scoped(program))
