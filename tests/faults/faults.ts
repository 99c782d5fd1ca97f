import type { JetStreamManager } from "@nats-io/jetstream"
import { Effect, Schema } from "effect"
import { Streams } from "@wt/contracts"
import type { LocalCluster, LocalClusterNode, RunningSystem, ServiceName } from "@wt/launcher"

/** What a fault needs to reach: the nodes, the service copies, and a view of the streams (as `observer`). */
export interface FaultTarget {
  readonly cluster: LocalCluster
  readonly services: RunningSystem
  readonly jsm: JetStreamManager
  readonly log: (line: string) => void
}

/** When the fault began and when the system was whole again, and what was seen meanwhile. */
export interface FaultRun {
  readonly startedAt: number
  readonly recoveredAt: number
  readonly notes: ReadonlyArray<string>
}

export interface Fault {
  readonly name: string
  readonly what: string
  readonly run: (target: FaultTarget) => Effect.Effect<FaultRun, unknown>
}

class NoLeaderToFault extends Schema.TaggedError<NoLeaderToFault>()("NoLeaderToFault", { message: Schema.String }) {}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

/** The server leading a stream now (`cluster.leader` of `$JS.API.STREAM.INFO`), when it has one. */
export const streamLeader = (jsm: JetStreamManager, stream: string) =>
  Effect.tryPromise(() => jsm.streams.info(stream)).pipe(
    Effect.map((info) => info.cluster?.leader),
    Effect.catch(() => Effect.succeed(undefined))
  )

const leaderNode = Effect.fn("Faults.leaderNode")(function*(target: FaultTarget, stream: string) {
  for (let i = 0; i < 60; i++) {
    const name = yield* streamLeader(target.jsm, stream)
    const node = name === undefined ? undefined : target.cluster.node(name)
    if (node !== undefined && node.running()) return node
    yield* Effect.sleep("500 millis")
  }
  return yield* Effect.fail(new NoLeaderToFault({ message: `${stream} has no leader to fault` }))
})

/** Waits until a server other than `old` leads the stream; how long that took, or undefined. */
const newLeader = Effect.fn("Faults.newLeader")(function*(target: FaultTarget, stream: string, old: string, since: number, timeoutMs: number) {
  while (Date.now() - since < timeoutMs) {
    const name = yield* streamLeader(target.jsm, stream)
    if (name !== undefined && name !== old) return { name, afterMs: Date.now() - since }
    yield* Effect.sleep("100 millis")
  }
  return undefined
})

/** Brings a stopped or frozen node back and waits for the whole cluster to be healthy again. */
const rejoin = Effect.fn("Faults.rejoin")(function*(target: FaultTarget, node: LocalClusterNode, options?: { readonly maxFileStore?: number }) {
  yield* node.start(options)
  yield* target.cluster.ready
})

/** SIGKILL the node that leads `stream`, keep it down for `downMs`, start it again on its store. */
export const killStreamLeader = (stream: string, downMs: number): Fault => ({
  name: `SIGKILL ${stream} leader`,
  what: `SIGKILL the node leading ${stream} (cluster.leader of $JS.API.STREAM.INFO), ${seconds(downMs)} down, then restarted on its store`,
  run: Effect.fn("Faults.killStreamLeader")(function*(target: FaultTarget) {
    const node = yield* leaderNode(target, stream)
    const startedAt = Date.now()
    node.signal("SIGKILL")
    target.log(`${node.name} (leader of ${stream}) SIGKILLed`)
    const elected = yield* newLeader(target, stream, node.name, startedAt, downMs + 30_000)
    const notes = [`killed ${node.name}`, elected === undefined ? `no new leader of ${stream} seen` : `${elected.name} led ${stream} after ${seconds(elected.afterMs)}`]
    const left = downMs - (Date.now() - startedAt)
    if (left > 0) yield* Effect.sleep(left)
    yield* rejoin(target, node)
    target.log(`${node.name} back, cluster healthy`)
    return { startedAt, recoveredAt: Date.now(), notes }
  })
})

/** SIGSTOP the node leading WT_INCIDENT for `frozenMs` (its clients' connections stay open, unanswered), then SIGCONT. */
export const freezeNode = (frozenMs: number): Fault => ({
  name: `SIGSTOP a node ${seconds(frozenMs)}`,
  what: `SIGSTOP the node leading ${Streams.incident} for ${seconds(frozenMs)}, then SIGCONT`,
  run: Effect.fn("Faults.freezeNode")(function*(target: FaultTarget) {
    const node = yield* leaderNode(target, Streams.incident)
    const startedAt = Date.now()
    node.signal("SIGSTOP")
    target.log(`${node.name} frozen (SIGSTOP)`)
    const elected = yield* newLeader(target, Streams.incident, node.name, startedAt, frozenMs)
    const left = frozenMs - (Date.now() - startedAt)
    if (left > 0) yield* Effect.sleep(left)
    node.signal("SIGCONT")
    target.log(`${node.name} thawed (SIGCONT)`)
    yield* target.cluster.ready
    return {
      startedAt,
      recoveredAt: Date.now(),
      notes: [`froze ${node.name}`, elected === undefined ? `no new leader of ${Streams.incident} within the freeze` : `${elected.name} led ${Streams.incident} after ${seconds(elected.afterMs)}`]
    }
  })
})

const readyz = (url: string) =>
  Effect.tryPromise(() => fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok)).pipe(Effect.catch(() => Effect.succeed(false)))

/**
 * SIGKILL each listed service copy in turn, as a crash would; the launcher starts it again
 * (restartOnCrash) while the other copy carries on. Waits for each to be ready before the next.
 */
export const killServiceCopies = (copies: ReadonlyArray<readonly [ServiceName, number]>, pauseMs: number): Fault => ({
  name: copies.length > 4 ? "SIGKILL each service copy" : `SIGKILL ${copies.map(([n, c]) => `${n}#${c}`).join(", ")}`,
  what: `SIGKILL ${copies.map(([n, c]) => `${n}#${c}`).join(", ")} one after the other; the launcher restarts each, the other copy carries on`,
  run: Effect.fn("Faults.killServiceCopies")(function*(target: FaultTarget) {
    const startedAt = Date.now()
    const notes: Array<string> = []
    for (const [name, copy] of copies) {
      const process_ = target.services.copies[name][copy - 1]
      const pid = process_?.pid()
      if (process_ === undefined || pid === undefined) {
        notes.push(`${name}#${copy}: no such copy`)
        continue
      }
      const t0 = Date.now()
      process.kill(pid, "SIGKILL")
      // Back: a new process, answering /readyz.
      let back: number | undefined
      while (Date.now() - t0 < 120_000) {
        const now = process_.pid()
        if (now !== undefined && now !== pid && (yield* readyz(process_.url))) {
          back = Date.now() - t0
          break
        }
        yield* Effect.sleep("200 millis")
      }
      notes.push(`${process_.label} ${back === undefined ? "NOT back within 120 s" : `back after ${seconds(back)}`}`)
      target.log(`${process_.label} SIGKILLed, ${back === undefined ? "not back" : `back after ${seconds(back)}`}`)
      yield* Effect.sleep(pauseMs)
    }
    return { startedAt, recoveredAt: Date.now(), notes }
  })
})

/** Every node stopped (SIGTERM), then all started again on their stores. */
export const restartCluster: Fault = {
  name: "restart the whole cluster",
  what: "SIGTERM all three nodes, then start them again on their stores; services reconnect on their own",
  run: Effect.fn("Faults.restartCluster")(function*(target: FaultTarget) {
    const startedAt = Date.now()
    yield* Effect.forEach(target.cluster.nodes, (n) => n.stop, { concurrency: "unbounded", discard: true })
    const downAt = Date.now()
    target.log(`all nodes stopped after ${seconds(downAt - startedAt)}`)
    yield* Effect.forEach(target.cluster.nodes, (n) => n.start(), { concurrency: "unbounded", discard: true })
    yield* target.cluster.ready
    target.log(`cluster healthy again after ${seconds(Date.now() - startedAt)}`)
    return { startedAt, recoveredAt: Date.now(), notes: [`stopped in ${seconds(downAt - startedAt)}, healthy again ${seconds(Date.now() - downAt)} later`] }
  })
}

/**
 * A node's disk limit reached: the node leading WT_DEVICE is restarted with its JetStream file
 * store capped (`max_file_store`) just above what it holds, kept so while the load fills it,
 * then restarted without the cap (nats-server 2.9 has no reservation that fills a running node;
 * the cap is the server's own limit, no root needed).
 */
export const fillNodeDisk = (headroomBytes: number, fullForMs: number): Fault => ({
  name: "a node's disk full",
  what: `restart the node leading ${Streams.device} with max_file_store = its use + ${Math.round(headroomBytes / 1024)} KiB, keep it ${seconds(fullForMs)} after it is full, then restart it without the cap`,
  run: Effect.fn("Faults.fillNodeDisk")(function*(target: FaultTarget) {
    const node = yield* leaderNode(target, Streams.device)
    const used = (yield* node.jetstream).storeBytes
    const limit = used + headroomBytes
    const startedAt = Date.now()
    yield* node.stop
    yield* node.start({ maxFileStore: limit })
    target.log(`${node.name} restarted with max_file_store ${limit} (holds ${used})`)
    const notes = [`${node.name} capped at ${limit} bytes (it held ${used})`]
    // Full: its store at the cap, or JetStream switched off for want of room. What /healthz says
    // differs by version and is only noted: 2.9.10 failed it (a stream not current), 2.10.27
    // keeps answering ok while the node refuses writes ("resource limits exceeded" in its log).
    let fullAt: number | undefined
    while (Date.now() - startedAt < 120_000) {
      const js = yield* Effect.result(node.jetstream)
      if (js._tag === "Success" && (js.success.storeBytes >= limit * 0.95 || !js.success.enabled)) {
        fullAt = Date.now()
        const health = yield* Effect.tryPromise(() => fetch(`${node.monitorUrl}/healthz`).then((r) => r.text())).pipe(
          Effect.catch(() => Effect.succeed("no answer"))
        )
        notes.push(`full after ${seconds(fullAt - startedAt)}: ${js.success.storeBytes} bytes stored, JetStream ${js.success.enabled ? "on" : "DISABLED"}, healthz: ${health.trim().slice(0, 120)}`)
        break
      }
      yield* Effect.sleep("500 millis")
    }
    if (fullAt === undefined) notes.push("never reached its cap within 120 s")
    yield* Effect.sleep(fullForMs)
    yield* node.stop
    yield* rejoin(target, node)
    notes.push(`restarted without the cap, cluster healthy ${seconds(Date.now() - startedAt)} after the fault began`)
    target.log(`${node.name} uncapped and caught up`)
    return { startedAt, recoveredAt: Date.now(), notes }
  })
})
