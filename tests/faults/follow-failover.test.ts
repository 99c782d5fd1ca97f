import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Schedule, Schema } from "effect"
import { startLocalCluster } from "@wt/launcher"
import { follow, makeNats, Nats } from "@wt/nats"
import { rawClientOf } from "./raw-client.ts"

const dataDir = mkdtempSync(join(tmpdir(), "wt-follow-failover-"))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

const Stream = "FOLLOW_FAILOVER"
const Note = Schema.Struct({ n: Schema.Number })

/**
 * The console's live queue and the projector read WT_INCIDENT with `follow`, an ordered consumer:
 * an R1 ephemeral on one node. The fault suite saw care alarms reach the console 30-70 s late when
 * that node was killed or frozen: the client kept asking the dead consumer for its info. Here the
 * node holding the reader's consumer is SIGKILLed and stays down; what is stored afterwards must
 * still reach the reader, in order, within seconds.
 */
describe("follow on the three-node cluster", () => {
  it.live("keeps reading, in order and without a gap, after the node holding its ordered consumer is killed", () =>
    Effect.gen(function*() {
      const cluster = yield* startLocalCluster({ dataDir, testUser: true })
      // The reader and the writer connect to every node, as services do; the writer stays on a live one.
      const reader = yield* makeNats({ url: cluster.url, name: "reader", ...cluster.access("test") })
      const writer = yield* rawClientOf(yield* makeNats({ url: cluster.url, name: "writer", ...cluster.access("test") }))
      yield* Effect.tryPromise(() => writer.jsm.streams.add({ name: Stream, subjects: ["ff.>"], num_replicas: 3 })).pipe(
        Effect.retry({ schedule: Schedule.spaced("500 millis"), times: 20 })
      )
      const publish = (n: number) => Effect.tryPromise(() => writer.js.publish(`ff.${n % 3}`, JSON.stringify({ n }), { timeout: 2000 })).pipe(
        // While the stream elects a new leader a publish is refused at once ("no responders"): try again.
        Effect.retry({ schedule: Schedule.spaced("250 millis"), times: 120 })
      )

      const seen: Array<{ readonly n: number; readonly at: number }> = []
      const reading = yield* follow({ stream: Stream, filterSubject: "ff.>", schema: Note, handler: (note) => Effect.sync(() => void seen.push({ n: note.n, at: Date.now() })) }).pipe(
        Effect.provideService(Nats, reader),
        Effect.forkScoped
      )
      for (let n = 0; n < 20; n++) yield* publish(n)
      yield* Effect.sleep("1 second")
      expect(seen.map((s) => s.n)).toEqual([...Array(20).keys()])

      // The node where the reader's consumer lives.
      const consumers = yield* reader.use((client) => client.jsm.consumers.list(Stream).next()).pipe(
        Effect.retry({ schedule: Schedule.spaced("500 millis"), times: 20 })
      )
      expect(consumers).toHaveLength(1)
      const holder = cluster.node(consumers[0]!.cluster?.leader ?? "")
      expect(holder).toBeDefined()
      holder!.signal("SIGKILL")
      const killedAt = Date.now()

      const storedAt = new Map<number, number>()
      for (let n = 20; n < 40; n++) {
        yield* publish(n)
        storedAt.set(n, Date.now())
        yield* Effect.sleep("250 millis")
      }
      const deadline = Date.now() + 30_000
      while (seen.length < 40 && Date.now() < deadline) yield* Effect.sleep("200 millis")
      expect(seen.map((s) => s.n)).toEqual([...Array(40).keys()])
      // The first message stored after the kill reached the reader within 20 s of being stored (before, it stood still until the node came back).
      const firstAfter = seen.find((s) => s.n === 20)!
      expect(firstAfter.at - storedAt.get(20)!).toBeLessThan(20_000)
      process.stdout.write(`follow failover: the first message after the kill was stored ${storedAt.get(20)! - killedAt} ms after it and read ${firstAfter.at - storedAt.get(20)!} ms after that\n`)
      yield* Fiber.interrupt(reading)
    }).pipe(Effect.scoped), 180_000)
})
