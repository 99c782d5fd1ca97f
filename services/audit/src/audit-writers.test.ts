import { assert, describe, layer } from "@effect/vitest"
import { type AuditEntry, DeviceEvent, laneOfEvent, Streams, Subjects } from "@wt/contracts"
import { examplePendantAlarm } from "@wt/contracts/examples"
import { Nats, publishEvent, readSubject } from "@wt/nats"
import { clientOf, durableAckedUpTo, eventually, NatsTestServer } from "@wt/nats/testing"
import { ConfigProvider, Effect, Layer, References } from "effect"
import { AuditWriters } from "./audit-writers.ts"

const event = (n: number, tenant: string, kind: "heartbeat" | "position" | "alarm"): DeviceEvent =>
  examplePendantAlarm(`018f3a2b-7c4d-7e8f-9a0b-${String(n).padStart(12, "0")}`, {
    tenant,
    deviceId: `dev-${n % 40}`,
    ...(kind === "heartbeat"
      ? { type: "technical", payload: { event: "heartbeat" } }
      : kind === "position"
      ? { type: "gps", payload: { lat: 59.91, lon: 10.75 } }
      : {})
  } as Partial<DeviceEvent>)

const store = (e: DeviceEvent) =>
  publishEvent(Subjects.device(e.tenant, laneOfEvent(e), e.type, e.deviceId), DeviceEvent, e, { msgId: e.id })

const entriesOf = (tenant: string, kind: "device_event" | "device_events") =>
  Effect.map(readSubject(Streams.audit, Subjects.audit(tenant, kind)), (ms) =>
    ms.map((m) => ({ seq: m.seq, entry: JSON.parse(new TextDecoder().decode(m.data)) as AuditEntry, raw: m.data })))

/** The audit service on a fresh NATS, after `before` (what an older version left there). Frames of at most 50 events. */
const auditAfter = <E>(before: Layer.Layer<never, E, Nats>) =>
  AuditWriters.pipe(
    Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ WT_DEVICE_FRAME_EVENTS: "50", WT_DEVICE_FRAME_WAIT_MS: "20" }))),
    Layer.provideMerge(before),
    Layer.provideMerge(NatsTestServer.layerNats),
    Layer.provide(Layer.succeed(References.MinimumLogLevel, "Warn"))
  )

// 600 heartbeats and positions of one tenant need at least 12 batches.
const Env = auditAfter(Layer.empty)

describe("the audit service's device-event entries", () => {
  layer(Env, { excludeTestServices: true, timeout: 120_000 })("against a real NATS", (it) => {
    it.effect("every heartbeat and position is in exactly one batch of its tenant, with its bytes as stored; a care alarm has an entry of its own", () =>
      Effect.gen(function*() {
        const events = Array.from({ length: 600 }, (_, i) => event(i, i % 3 === 0 ? "other" : "demo", i % 2 === 0 ? "heartbeat" : "position"))
        const alarms = [event(1000, "demo", "alarm"), event(1001, "other", "alarm")]
        const stored = yield* Effect.forEach([...events, ...alarms], store, { concurrency: 50 })
        const seqOf = new Map(stored.map((p, i) => [[...events, ...alarms][i]!.id, p.seq]))

        const batched = yield* eventually(
          Effect.map(Effect.all([entriesOf("demo", "device_events"), entriesOf("other", "device_events")]), (all) => all.flat()),
          (entries) => entries.reduce((n, e) => n + (e.entry.data as { events: Array<unknown> }).events.length, 0) >= events.length,
          "every heartbeat and position in a batch"
        )
        const held = batched.flatMap(({ entry }) =>
          (entry.data as { events: Array<{ seq: number; event: DeviceEvent }> }).events.map((e) => ({ tenant: entry.tenant, ...e }))
        )
        // Exactly once each, under its own tenant, at its own WT_DEVICE sequence.
        assert.strictEqual(held.length, events.length)
        assert.strictEqual(new Set(held.map((h) => h.seq)).size, events.length)
        for (const h of held) {
          assert.strictEqual(h.event.tenant, h.tenant)
          assert.strictEqual(h.seq, seqOf.get(h.event.id))
        }
        // The bytes inside an entry are the event's as WT_DEVICE stored them, not a re-encoding.
        const storedText = new Map((yield* readSubject(Streams.device, Subjects.deviceAll)).map((m) => [m.seq, new TextDecoder().decode(m.data)]))
        for (const { entry, raw } of batched) {
          const seqs = (entry.data as { events: Array<{ seq: number }> }).events.map((e) => e.seq)
          assert.isAtMost(seqs.length, 50)
          assert.deepStrictEqual(seqs, [...seqs].sort((a, b) => a - b), "in stream order")
          assert.strictEqual(entry.origin?.seq, seqs[0])
          assert.match(entry.id, new RegExp(`^devs-${seqs[0]}-${seqs.at(-1)}-${seqs.length}-[0-9a-f]{8}$`))
          const text = new TextDecoder().decode(raw)
          for (const seq of seqs) assert.include(text, `{"seq":${seq},"event":${storedText.get(seq)}}`)
        }
        assert.isAtLeast(batched.length, Math.ceil(400 / 50) + Math.ceil(200 / 50))

        const single = yield* eventually(
          Effect.map(Effect.all([entriesOf("demo", "device_event"), entriesOf("other", "device_event")]), (all) => all.flat()),
          (entries) => entries.length >= 2,
          "both alarms' entries"
        )
        assert.deepStrictEqual(single.map(({ entry }) => entry.subject.eventId).sort(), alarms.map((a) => a.id).sort())
        assert.deepStrictEqual(single.map(({ entry }) => entry.id).sort(), alarms.map((a) => `dev-${seqOf.get(a.id)}`).sort())
      }))
  })
})

/** 300 events stored, and the audit service's durable over every lane as a version before frames left it: acknowledged up to the 150th. */
const Before = Array.from({ length: 300 }, (_, i) => event(5_000 + i, i % 2 === 0 ? "demo" : "other", i % 10 === 0 ? "alarm" : i % 3 === 0 ? "position" : "heartbeat"))
const OldVersion = Layer.effectDiscard(Effect.gen(function*() {
  const stored = yield* Effect.forEach(Before, store)
  const next = stored[150]!.seq
  yield* durableAckedUpTo("audit-device", Subjects.deviceAll, next)
}))

const MovedEnv = auditAfter(OldVersion)

describe("the audit service moving from its durable over every lane to frames", () => {
  layer(MovedEnv, { excludeTestServices: true, timeout: 120_000 })("against a real NATS", (it) => {
    it.effect("audits every event from where the old durable had acknowledged to, once, and none before; the old durable is gone", () =>
      Effect.gen(function*() {
        const stored = yield* readSubject(Streams.device, Subjects.deviceAll)
        const next = stored[150]!.seq
        const bySeq = new Map(stored.map((m) => [m.seq, m]))
        const after = stored.filter((m) => m.seq >= next)
        const alarmsAfter = after.filter((m) => m.subject.includes(".alarm.")).map((m) => m.seq)
        const bulkAfter = after.filter((m) => !m.subject.includes(".alarm.")).map((m) => m.seq)
        const audited = yield* eventually(
          Effect.map(
            Effect.all(["demo", "other"].flatMap((tenant) => [entriesOf(tenant, "device_event"), entriesOf(tenant, "device_events")])),
            (all) => all.flat()
          ),
          (entries) => entries.reduce((n, e) => n + (e.entry.kind === "device_event" ? 1 : (e.entry.data as { events: Array<unknown> }).events.length), 0) >= after.length,
          "every event after the old durable's position audited"
        )
        const single = audited.filter((e) => e.entry.kind === "device_event").map((e) => e.entry.origin!.seq).sort((a, b) => a - b)
        const batched = audited
          .filter((e) => e.entry.kind === "device_events")
          .flatMap((e) => (e.entry.data as { events: Array<{ seq: number }> }).events.map((x) => x.seq))
          .sort((a, b) => a - b)
        assert.deepStrictEqual(single, alarmsAfter)
        assert.deepStrictEqual(batched, bulkAfter)
        for (const seq of batched) assert.isTrue(bySeq.has(seq))
        const { jsm } = clientOf(yield* Nats)
        const durables = yield* Effect.promise(async () => {
          const names: Array<string> = []
          for await (const info of await jsm.consumers.list(Streams.device)) names.push(info.name)
          return names
        })
        assert.notInclude(durables, "audit-device")
        assert.include(durables, "audit-alarm")
      }))
  })
})
