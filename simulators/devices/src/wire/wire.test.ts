import { describe, expect, it } from "@effect/vitest"
import { createServer, type Server } from "node:net"
import { Effect, Result } from "effect"
import * as fc from "fast-check"
import type { DeviceEvent } from "@wt/contracts"
import { demoEncrypts } from "@wt/registry/demo"
import { EventSink } from "../event-sink.ts"
import { demoSimFleet } from "../fleet.ts"
import { generateEvents } from "../fleet-events.ts"
import { wrapDc09 } from "../protocols/dc09-transmitter.ts"
import { dc09Answers, mrsAnswers } from "./answer-channel.ts"
import { dc09ContentFor } from "./dc09-events.ts"
import { dc09Sink } from "./dc09-sink.ts"
import { makeLanes } from "./lanes.ts"
import { osmandRequestFor } from "./osmand-events.ts"
import { resolveWebhookSecrets } from "./wire-sink-options.ts"
import { vendorEventFor } from "./webhook-events.ts"
import { wireDeviceOf, wireDirectory } from "./wire-device.ts"
import { makeWireStats } from "./wire-stats.ts"

const fleet = demoSimFleet({ residents: 40 })
const directory = wireDirectory(fleet)
const events = Result.getOrThrow(generateEvents(fleet, { seed: 9, idSalt: 1 }, 2000, { startMs: Date.parse("2026-12-04T09:00:00Z"), stepMs: 50 }))
const deviceOf = (event: DeviceEvent) => {
  const d = wireDeviceOf(directory, event)
  if (d._tag === "skip") throw new Error(d.reason)
  return d.message
}

describe("protocol senders: what each protocol cannot carry is skipped with a reason", () => {
  it("DC-09 carries no position or dose; OsmAnd only trackers; webhooks only dispensers and sensors", () => {
    for (const event of events) {
      const device = deviceOf(event)
      const dc09 = dc09ContentFor(event, device)
      if (event.type === "gps" || event.type === "medication") expect(dc09).toMatchObject({ _tag: "skip", reason: expect.stringContaining("dc09:") })
      const osmand = osmandRequestFor(event, device)
      if (device.type !== "gps") expect(osmand).toMatchObject({ _tag: "skip", reason: expect.stringContaining("only trackers") })
      const webhook = vendorEventFor(event, device)
      if (device.type === "safety_alarm" || device.type === "gps") expect(webhook._tag).toBe("skip")
    }
    // A heartbeat is a DC-09 link test: no data, the unit's sign of life.
    const heartbeat = events.find((e) => e.type === "technical" && e.payload.event === "heartbeat")!
    expect(dc09ContentFor(heartbeat, deviceOf(heartbeat))).toEqual({ _tag: "send", message: { type: "NULL", data: "" } })
  })
})

describe("answer splitters", () => {
  const cutAnywhere = (whole: Buffer, cuts: ReadonlyArray<number>, split: typeof dc09Answers) => {
    const points = [...new Set(cuts.map((c) => c % (whole.length + 1)))].sort((a, b) => a - b)
    let rest: Buffer = Buffer.alloc(0)
    const out: Array<string> = []
    let from = 0
    for (const at of [...points, whole.length]) {
      const r = split(Buffer.concat([rest, whole.subarray(from, at)]))
      out.push(...r.answers.map((a) => a.toString("latin1")))
      rest = r.rest
      from = at
    }
    return out
  }

  it("DC-09 answers come out whole, however the stream was cut", () => {
    const answers = [wrapDc09(`"ACK"0001L1#11000001[]`), wrapDc09(`"DUH"0002L1#11000002[]`), wrapDc09(`"NAK"0000R0L0A0[]_10:00:00,12-04-2026`)]
    fc.assert(fc.property(fc.array(fc.nat(400), { maxLength: 12 }), (cuts) => {
      expect(cutAnywhere(Buffer.from(`junk${answers.join("")}`, "latin1"), cuts, dc09Answers)).toEqual(answers)
    }))
  })

  it("SCAIP <mrs> documents come out whole, however the stream was cut", () => {
    const docs = ["<mrs><ref>A1</ref><snu>0</snu></mrs>", "\n<MRS><ref>A2</ref><snu>5</snu></MRS>"]
    fc.assert(fc.property(fc.array(fc.nat(200), { maxLength: 8 }), (cuts) => {
      expect(cutAnywhere(Buffer.from(docs.join("")), cuts, mrsAnswers)).toEqual(docs)
    }))
  })
})

describe("lanes", () => {
  it("a key's tasks run one after another in order; other keys' meanwhile", async () => {
    const lanes = makeLanes(4, () => ({ close: () => undefined }))
    const log: Array<string> = []
    const running = new Map<string, number>()
    const task = (key: string, n: number, ms: number) =>
      lanes.run(key, async () => {
        running.set(key, (running.get(key) ?? 0) + 1)
        expect(running.get(key)).toBe(1)
        await new Promise((r) => setTimeout(r, ms))
        log.push(`${key}${n}`)
        running.set(key, running.get(key)! - 1)
      })
    await Promise.all([task("a", 1, 30), task("a", 2, 1), task("a", 3, 10), task("b", 1, 1)])
    expect(log.filter((l) => l.startsWith("a"))).toEqual(["a1", "a2", "a3"])
    // b's task did not wait for a's slow first one.
    expect(log.indexOf("b1")).toBeLessThan(log.indexOf("a1"))
  })
})

describe("webhook secrets", () => {
  it("a flag for the vendor beats one for all, which beats the environment, which beats demo-secrets.json", () => {
    const env = { WT_WEBHOOK_SECRET_DEMO_SENSORS: "from-env" }
    const stored = { "demo-dispenser": "stored-d", "demo-sensors": "stored-s" }
    expect(resolveWebhookSecrets([], {}, stored)).toEqual(stored)
    expect(resolveWebhookSecrets([], env, stored)).toEqual({ "demo-dispenser": "stored-d", "demo-sensors": "from-env" })
    expect(resolveWebhookSecrets(["all"], env, stored)).toEqual({ "demo-dispenser": "all", "demo-sensors": "all" })
    expect(resolveWebhookSecrets(["all", "demo-sensors=mine=="], env, stored)).toEqual({ "demo-dispenser": "all", "demo-sensors": "mine==" })
    expect(resolveWebhookSecrets([], {}, {})).toEqual({})
  })
})

/** A DC-09 receiver stand-in (plain frames only) that ignores the first copy of every frame and ACKs the next. */
const forgetfulReceiver = Effect.acquireRelease(
  Effect.promise(() =>
    new Promise<{ server: Server; port: number; frames: Array<string> }>((resolve) => {
      const frames: Array<string> = []
      const copies = new Map<string, number>()
      const server = createServer((socket) => {
        socket.on("data", (chunk) => {
          for (const frame of chunk.toString("latin1").split("\r").filter((f) => f.includes("\""))) {
            frames.push(frame)
            const header = /"(?:SIA-DCS|ADM-CID|NULL)"(\d{4})L(\w+)#(\w+)\[/u.exec(frame)
            if (header === null) continue
            const key = `${header[1]}#${header[3]}`
            copies.set(key, (copies.get(key) ?? 0) + 1)
            if (copies.get(key)! >= 2) socket.write(wrapDc09(`"ACK"${header[1]}L${header[2]}#${header[3]}[]`))
          }
        })
      })
      server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as { port: number }).port, frames }))
    })
  ),
  ({ server }) => Effect.sync(() => server.close())
)

describe("a DC-09 transmitter", () => {
  it.live("resends an unanswered frame with the same sequence number on a new connection, and counts it once when ACKed", () =>
    Effect.gen(function*() {
      const receiver = yield* forgetfulReceiver
      const stats = makeWireStats()
      // A pendant alarm from a unit that does not encrypt: a plain ADM-CID 101.
      const alarm = events.find((e) => e.type === "safety_alarm" && e.payload.trigger === "pendant" && !demoEncrypts(deviceOf(e).digits))!
      const delivery = yield* Effect.gen(function*() {
        const sink = yield* EventSink
        return yield* sink.deliver([alarm])
      }).pipe(Effect.provide(dc09Sink({
        host: "127.0.0.1",
        port: receiver.port,
        transport: "tcp",
        lanes: 2,
        persistence: { attempts: 3, answerTimeoutMs: 300 },
        fleet,
        keySecret: "test-secret",
        stats
      })))
      expect(delivery).toMatchObject({ accepted: 1, rejected: 0, skipped: [] })
      expect(stats.summary()).toMatchObject({ frames: 2, answered: 1, timeouts: 1, resends: 1 })
      const sequences = receiver.frames.map((f) => /"(?:SIA-DCS|ADM-CID)"(\d{4})/u.exec(f)?.[1])
      expect(sequences).toHaveLength(2)
      expect(sequences[0]).toBe(sequences[1])
    }).pipe(Effect.scoped))

  it.live("gives an event up as refused, with its reason, when nothing answers any attempt", () =>
    Effect.gen(function*() {
      const silent = yield* Effect.acquireRelease(
        Effect.promise(() => new Promise<Server>((resolve) => { const s = createServer(() => undefined); s.listen(0, "127.0.0.1", () => resolve(s)) })),
        (s) => Effect.sync(() => s.close())
      )
      const heartbeat = events.find((e) => e.type === "technical" && e.payload.event === "heartbeat")!
      const delivery = yield* Effect.gen(function*() {
        return yield* (yield* EventSink).deliver([heartbeat])
      }).pipe(Effect.provide(dc09Sink({
        host: "127.0.0.1",
        port: (silent.address() as { port: number }).port,
        transport: "tcp",
        lanes: 1,
        persistence: { attempts: 2, answerTimeoutMs: 200 },
        fleet,
        keySecret: undefined
      })))
      expect(delivery).toMatchObject({ accepted: 0, rejected: 1, reasons: [expect.stringContaining("no ACK after 2 attempts")] })
    }).pipe(Effect.scoped))
})
