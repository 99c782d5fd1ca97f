import { assert, layer } from "@effect/vitest"
import { nanos } from "@nats-io/transport-node"
import { DeviceDedupWindowMs, Streams, Subjects } from "@wt/contracts"
import { Effect } from "effect"
import { defaultNatsSettings } from "./config.ts"
import { clientOf } from "./client.ts"
import { Nats } from "./connection.ts"
import { provisionStreams, provisionStreamsWith, streamsReady } from "./streams.ts"
import { NatsTestServer } from "./testing.ts"

const info = (name: string) => Nats.use((nats) => Effect.promise(() => clientOf(nats).jsm.streams.info(name)))

const rejection = (run: () => Promise<unknown>) =>
  Effect.promise(() =>
    run().then(
      () => ({ code: undefined as number | undefined, message: "accepted" }),
      (error: { code?: number; message: string }) => ({ code: error.code, message: error.message })
    )
  )

layer(NatsTestServer.layerNats, { excludeTestServices: true })("provisionStreams", (it) => {
  it.effect("creates the four contract streams with their subjects, dedup windows and direct get", () =>
    Effect.gen(function*() {
      const device = yield* info(Streams.device)
      assert.deepStrictEqual(device.config.subjects, [Subjects.deviceAll])
      assert.strictEqual(device.config.duplicate_window, nanos(DeviceDedupWindowMs))
      assert.strictEqual(device.config.storage, "file")
      assert.strictEqual(device.config.allow_direct, true)
      assert.strictEqual(device.config.max_age, nanos(defaultNatsSettings.deviceMaxAgeMs))

      const incident = yield* info(Streams.incident)
      assert.deepStrictEqual(incident.config.subjects, [Subjects.incidentAll])
      assert.strictEqual(incident.config.allow_direct, true)
      assert.strictEqual(incident.config.duplicate_window, nanos(2 * 60 * 1000))
      assert.strictEqual(incident.config.max_age, 0)

      const audit = yield* info(Streams.audit)
      assert.deepStrictEqual(audit.config.subjects, [Subjects.auditAll])
      assert.strictEqual(audit.config.deny_delete, true)
      assert.strictEqual(audit.config.deny_purge, true)
      assert.strictEqual(audit.config.allow_direct, true)

      const dlq = yield* info(Streams.deadLetter)
      assert.deepStrictEqual(dlq.config.subjects, [Subjects.deadLetterAll])
      assert.strictEqual(dlq.config.max_age, nanos(defaultNatsSettings.deadLetterMaxAgeMs))
      assert.isTrue(yield* streamsReady)
    }))

  it.effect("is idempotent: running it again keeps streams and their messages", () =>
    Effect.gen(function*() {
      const { js } = clientOf(yield* Nats)
      yield* Effect.promise(() => js.publish(Subjects.incident("t1", "inc-keep"), "{}"))
      const before = yield* info(Streams.incident)
      yield* provisionStreams
      yield* provisionStreams
      const after = yield* info(Streams.incident)
      assert.strictEqual(after.state.messages, before.state.messages)
      assert.strictEqual(after.created, before.created)
      assert.deepStrictEqual(after.config, before.config)
    }))

  it.effect("updates an existing stream in place when the settings change", () =>
    Effect.gen(function*() {
      const settings = { ...defaultNatsSettings, deviceMaxAgeMs: 24 * 60 * 60 * 1000 }
      yield* provisionStreamsWith(settings)
      assert.strictEqual((yield* info(Streams.device)).config.max_age, nanos(settings.deviceMaxAgeMs))
      yield* provisionStreams
      assert.strictEqual((yield* info(Streams.device)).config.max_age, nanos(defaultNatsSettings.deviceMaxAgeMs))
    }))

  it.effect("WT_AUDIT refuses to delete or purge messages", () =>
    Effect.gen(function*() {
      const { js, jsm } = clientOf(yield* Nats)
      const ack = yield* Effect.promise(() => js.publish(Subjects.audit("t1", "view"), "{}"))
      const deleted = yield* rejection(() => jsm.streams.deleteMessage(Streams.audit, ack.seq))
      assert.strictEqual(deleted.code, 10057, deleted.message)
      const purged = yield* rejection(() => jsm.streams.purge(Streams.audit))
      assert.strictEqual(purged.code, 10110, purged.message)
      const stored = yield* Effect.promise(() => jsm.streams.getMessage(Streams.audit, { seq: ack.seq }))
      assert.strictEqual(stored?.seq, ack.seq)
    }))

  it.effect("streamsReady is false while a stream is missing and true after provisioning again", () =>
    Effect.gen(function*() {
      const { jsm } = clientOf(yield* Nats)
      yield* Effect.promise(() => jsm.streams.delete(Streams.deadLetter))
      assert.isFalse(yield* streamsReady)
      yield* provisionStreams
      assert.isTrue(yield* streamsReady)
    }))
})
