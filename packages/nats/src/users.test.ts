import { assert, describe, it, layer } from "@effect/vitest"
import { connect, nkeys, type NatsConnection } from "@nats-io/transport-node"
import { DiscardPolicy, RetentionPolicy, StorageType } from "@nats-io/jetstream"
import { Streams, Subjects } from "@wt/contracts"
import { Effect, Fiber, Layer, Option, Redacted, Stream } from "effect"
import { defaultNatsSettings } from "./config.ts"
import { clientOf, type NatsClient } from "./client.ts"
import { makeNats, Nats } from "./connection.ts"
import { authenticatorOf } from "./credentials.ts"
import { followPushed } from "./follow-pushed.ts"
import { encodeFramedThrough, framedThroughSubject, listenFramedThrough } from "./framed-through.ts"
import { ensureStream, provisionStreamsWith } from "./streams.ts"
import { publishRaw } from "./publish.ts"
import { readSubject } from "./read.ts"
import { NatsTestServer } from "./testing.ts"
import { DeviceFramesStream, deviceFramesStreamSpec, OpenIncidentBucket, SealStream } from "./installation.ts"
import { inboxPrefixOf, type NatsUser, NatsUsers, permissionsOf } from "./users.ts"

/**
 * Each NATS user connects to a real nats-server with the installation's permissions, and what it
 * must not do is refused by the server itself, not merely left undone by our code: the gateway writes device events only,
 * only audit writes the audit trail's pipeline entries, nobody but provisioning deletes, purges or
 * changes a stream, and no one reads what is not theirs. The services doing their jobs under these
 * permissions is what the end-to-end tests show (tests/e2e, every service its own user).
 */

const bytes = (text: string) => new TextEncoder().encode(text)

/** A connection as `user`, for this test's scope. */
const as = (user: NatsUser | "test") =>
  Effect.gen(function*() {
    const server = yield* NatsTestServer
    return yield* makeNats({ url: server.url, name: `perm-${user}`, ...server.access(user), connectTimeoutMs: 2_000 })
  })

/** Runs `effect` on `user`'s own connection. */
const run = <A, E>(user: NatsUser | "test", effect: Effect.Effect<A, E, Nats>) =>
  Effect.scoped(Effect.flatMap(as(user), (nats) => Effect.provideService(effect, Nats, nats)))

/** How the server answered: "ok", or "refused" for a permissions violation, or the other failure's text. */
const outcome = <A, E>(effect: Effect.Effect<A, E, Nats>) =>
  effect.pipe(
    Effect.timeout("5 seconds"),
    Effect.as("ok"),
    Effect.catch((error) => {
      const text = error instanceof Error ? `${error.name}: ${error.message}` : JSON.stringify(error)
      return Effect.succeed(/permissions? violation/i.test(text) ? "refused" : text)
    })
  )

const promised = <A>(f: (client: NatsClient) => Promise<A>): Effect.Effect<A, unknown, Nats> =>
  Nats.use((nats) => Effect.tryPromise({ try: () => f(clientOf(nats)), catch: (cause) => cause }))

const publish = (subject: string) => publishRaw(subject, bytes(JSON.stringify({ at: Date.now() })), { msgId: `perm-${Math.random()}`, timeoutMs: 2_000, attempts: 1 })

const auditCount = Effect.map(promised(({ jsm }) => jsm.streams.info(Streams.audit)), (info) => info.state.messages)

/** The installation's streams as provisioning makes them; WT_AUDIT_SEALS as the audit service's seal stream (deny delete and purge). */
const Provisioned = Layer.effectDiscard(
  run("provision", Effect.gen(function*() {
    yield* provisionStreamsWith(defaultNatsSettings)
    yield* ensureStream({
      name: SealStream.name,
      description: "seals",
      subjects: ["wt.seal.>"],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      max_age: 0,
      duplicate_window: 120_000_000_000,
      num_replicas: 1,
      allow_direct: true,
      deny_delete: true,
      deny_purge: true
    })
    yield* ensureStream(deviceFramesStreamSpec(defaultNatsSettings))
  }))
).pipe(Layer.provideMerge(NatsTestServer.layer))

layer(Provisioned, { excludeTestServices: true, timeout: "120 seconds" })("NATS users and their permissions", (it) => {
  it.effect("a client without credentials, or with a key the server does not know, is refused", () =>
    Effect.gen(function*() {
      const server = yield* NatsTestServer
      const attempt = (options: object) =>
        Effect.promise(() =>
          connect({ servers: server.url, reconnect: false, timeout: 2_000, ...options }).then(
            async (nc: NatsConnection) => {
              await nc.close()
              return "connected"
            },
            (error: Error) => error.message
          )
        )
      assert.match(yield* attempt({}), /authorization violation/i)
      const stranger = new TextDecoder().decode(nkeys.createUser().getSeed())
      assert.match(yield* attempt({ authenticator: authenticatorOf({ _tag: "NkeySeed", seed: Redacted.make(stranger) }) }), /authorization violation/i)
      // The same server lets a known user in.
      assert.strictEqual(yield* attempt({ authenticator: authenticatorOf(server.access("gateway").auth) }), "connected")
    }))

  it.effect("the gateway publishes device events and its own dead letters, and nothing of wt.inc, wt.audit, wt.seal or another's dead letters", () =>
    Effect.gen(function*() {
      const gateway = (effect: Effect.Effect<unknown, unknown, Nats>) => run("gateway", outcome(effect))
      assert.strictEqual(yield* gateway(publish(Subjects.device("demo", "alarm", "safety_alarm", "alarm-1"))), "ok")
      assert.strictEqual(yield* gateway(publish(Subjects.deadLetter("gateway"))), "ok")
      assert.strictEqual(yield* gateway(publish("wt.inc.x.y")), "refused")
      assert.strictEqual(yield* gateway(publish("wt.audit.x.y")), "refused")
      assert.strictEqual(yield* gateway(publish(Subjects.audit("demo", "device_event"))), "refused")
      assert.strictEqual(yield* gateway(publish("wt.seal.audit")), "refused")
      assert.strictEqual(yield* gateway(publish(Subjects.deadLetter("triage"))), "refused")
      // Nothing of it was stored.
      const incidents = yield* run("observer", readSubject(Streams.incident, Subjects.incidentAll))
      assert.strictEqual(incidents.length, 0)
    }))

  it.effect("the gateway cannot delete, purge or change a stream, nor create one", () =>
    Effect.gen(function*() {
      const gateway = (f: (client: NatsClient) => Promise<unknown>) => run("gateway", outcome(promised(f)))
      for (const stream of [Streams.audit, SealStream.name, Streams.device]) {
        assert.strictEqual(yield* gateway(({ jsm }) => jsm.streams.delete(stream)), "refused", `delete ${stream}`)
        assert.strictEqual(yield* gateway(({ jsm }) => jsm.streams.purge(stream)), "refused", `purge ${stream}`)
        assert.strictEqual(yield* gateway(({ jsm }) => jsm.streams.update(stream, { max_age: 1_000_000_000 })), "refused", `update ${stream}`)
        assert.strictEqual(yield* gateway(({ jsm }) => jsm.streams.deleteMessage(stream, 1)), "refused", `delete a message of ${stream}`)
      }
      assert.strictEqual(yield* gateway(({ jsm }) => jsm.streams.add({ name: "EVIL", subjects: ["wt.audit.evil.>"] })), "refused")
      // The raw API subjects, as a client other than nats.js would send them.
      for (const api of ["$JS.API.STREAM.DELETE.WT_AUDIT", "$JS.API.STREAM.PURGE.WT_AUDIT", "$JS.API.STREAM.UPDATE.WT_AUDIT"]) {
        assert.strictEqual(yield* gateway(({ nc }) => nc.request(api, bytes("{}"), { timeout: 2_000 })), "refused", api)
      }
    }))

  it.effect("the gateway cannot read the audit trail: no consumer, no message get, no subscription, not even through another user's inbox", () =>
    Effect.gen(function*() {
      yield* run("audit", publish(Subjects.audit("demo", "device_event")))
      const gateway = (f: (client: NatsClient) => Promise<unknown>) => run("gateway", outcome(promised(f)))
      assert.strictEqual(yield* gateway(({ jsm }) => jsm.consumers.add(Streams.audit, { name: "peek", ack_policy: "none" as never })), "refused")
      assert.strictEqual(yield* gateway(({ jsm }) => jsm.streams.getMessage(Streams.audit, { seq: 1 })), "refused")
      assert.strictEqual(yield* gateway(({ jsm }) => jsm.direct.getMessage(Streams.audit, { seq: 1 })), "refused")
      assert.strictEqual(yield* run("gateway", outcome(readSubject(Streams.audit, Subjects.auditAll))), "refused")
      // Core subscriptions: to the subjects themselves, and to the audit service's inbox, where its pulled entries arrive.
      for (const subject of [Subjects.auditAll, "_INBOX.audit.>", "_INBOX.>", ">"]) {
        const closedWith = yield* run("gateway", promised(({ nc }) => nc.subscribe(subject).closed))
        assert.match(String(closedWith), /permissions violation/i, subject)
      }
    }))

  it.effect("only audit writes the pipeline's audit entries; the console, dispatch and the CLI write only the kinds they audit themselves", () =>
    Effect.gen(function*() {
      const pipelineEntry = Subjects.audit("demo", "device_event")
      for (const user of NatsUsers) {
        const result = yield* run(user, outcome(publish(pipelineEntry)))
        assert.strictEqual(result, user === "audit" ? "ok" : "refused", `${user} publishing ${pipelineEntry}`)
      }
      const own: Partial<Record<NatsUser, ReadonlyArray<string>>> = {
        console: ["record_view", "export", "config_change", "authentication"],
        dispatch: ["record_view", "elock_access"],
        cli: ["export", "config_change", "record_view"]
      }
      for (const [user, kinds] of Object.entries(own) as ReadonlyArray<[NatsUser, ReadonlyArray<string>]>) {
        for (const kind of kinds) assert.strictEqual(yield* run(user, outcome(publish(Subjects.audit("demo", kind)))), "ok", `${user} ${kind}`)
        for (const kind of ["triage_decision", "incident_event", "operator_action"]) {
          assert.strictEqual(yield* run(user, outcome(publish(Subjects.audit("demo", kind)))), "refused", `${user} ${kind}`)
        }
      }
      // Nobody but audit writes seals.
      for (const user of NatsUsers) {
        assert.strictEqual(yield* run(user, outcome(publish("wt.seal.audit"))), user === "audit" ? "ok" : "refused", `${user} sealing`)
      }
    }))

  it.effect("only triage, supervision and audit write device frames (and the marks where readers moved to them); every other user is refused", () =>
    Effect.gen(function*() {
      for (const user of ["gateway", "receivers", "triage", "supervision", "projector", "audit", "console", "dispatch", "cli", "sim"] as const) {
        for (const subject of [DeviceFramesStream.subject("tech"), "wt.frames.start.telemetry"]) {
          const result = yield* run(user, outcome(publish(subject)))
          assert.strictEqual(result, user === "triage" || user === "supervision" || user === "audit" ? "ok" : "refused", `${user} publishing ${subject}`)
        }
      }
    }))

  it.effect("the frame writers (triage, supervision, audit) say how far a lane is framed, and only they hear it", () =>
    Effect.gen(function*() {
      /** What `listener` hears of a mark `speaker` says on the tech lane. */
      const heard = (listener: NatsUser | "test", speaker: NatsUser | "test") =>
        Effect.scoped(Effect.gen(function*() {
          const ears = yield* as(listener)
          const marks: Array<number> = []
          yield* listenFramedThrough("tech", (mark) => void marks.push(mark.seq)).pipe(Effect.provideService(Nats, ears))
          yield* Effect.promise(() => clientOf(ears).nc.flush())
          const mouth = yield* as(speaker)
          clientOf(mouth).nc.publish(framedThroughSubject("tech"), encodeFramedThrough({ seq: 7, atMs: Date.now() }))
          yield* Effect.promise(() => clientOf(mouth).nc.flush())
          yield* Effect.sleep("200 millis")
          return marks.length > 0
        }))
      for (const speaker of NatsUsers.filter((u) => u !== "provision")) {
        assert.strictEqual(yield* heard("test", speaker), speaker === "triage" || speaker === "supervision" || speaker === "audit", `${speaker} saying`)
      }
      for (const listener of NatsUsers.filter((u) => u !== "provision")) {
        assert.strictEqual(yield* heard(listener, "test"), listener === "triage" || listener === "supervision" || listener === "audit", `${listener} hearing`)
      }
    }))

  it.effect("a consumer pushing another stream's messages onto wt.audit adds nothing to the trail", () =>
    Effect.gen(function*() {
      const before = yield* run("observer", auditCount)
      // Interest on the subject, so the server would deliver if it were to.
      const watcher = yield* as("test")
      clientOf(watcher).nc.subscribe(Subjects.auditAll)
      yield* Effect.promise(() => clientOf(watcher).nc.flush())
      yield* run("observer", promised(({ jsm }) =>
        jsm.consumers.add(Streams.device, { name: "forge", deliver_subject: Subjects.audit("demo", "device_event"), ack_policy: "none" as never })
      )).pipe(Effect.ignore)
      yield* Effect.sleep("1 second")
      assert.strictEqual(yield* run("observer", auditCount), before)
    }).pipe(Effect.scoped))

  it.effect("triage writes incidents, the projector and the observer only read them, and the simulator only publishes device events", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* run("triage", outcome(publish(Subjects.incident("demo", "inc-1")))), "ok")
      assert.strictEqual(yield* run("projector", outcome(publish(Subjects.incident("demo", "inc-2")))), "refused")
      assert.strictEqual(yield* run("observer", outcome(publish(Subjects.incident("demo", "inc-2")))), "refused")
      assert.strictEqual(yield* run("projector", outcome(readSubject(Streams.incident, Subjects.incidentAll))), "ok")
      assert.strictEqual(yield* run("projector", outcome(readSubject(Streams.device, Subjects.deviceAll))), "refused")
      assert.strictEqual(yield* run("sim", outcome(publish(Subjects.device("demo", "tech", "technical", "alarm-1")))), "ok")
      assert.strictEqual(yield* run("sim", outcome(readSubject(Streams.device, Subjects.deviceAll))), "refused")
      assert.strictEqual(yield* run("receivers", outcome(publish(Subjects.incident("demo", "inc-3")))), "refused")
    }))

  it.effect("triage watches the open-incident bucket it writes (the pointers it holds in memory), and the gateway cannot", () =>
    Effect.gen(function*() {
      const firstHeld = Effect.gen(function*() {
        const kv = yield* Nats.use((nats) => nats.kv(OpenIncidentBucket))
        yield* kv.put("demo.res-perm", "inc-perm")
        return yield* Stream.runHead(kv.watch)
      })
      // Made by provisioning, as an installation's buckets are (the services only open them).
      yield* run("provision", Nats.use((nats) => nats.kv(OpenIncidentBucket)))
      const held = Option.getOrThrow(yield* run("triage", firstHeld))
      assert.strictEqual(held.key, "demo.res-perm")
      assert.strictEqual(new TextDecoder().decode(held.value), "inc-perm")
      assert.strictEqual(yield* run("gateway", outcome(firstHeld)), "refused")
    }))

  it.effect("supervision follows a device lane through an unacknowledged push consumer into its own inbox", () =>
    Effect.gen(function*() {
      yield* run("gateway", publish(Subjects.device("demo", "tech", "technical", "alarm-7")))
      const seen: Array<string> = []
      const opened: Array<number> = []
      yield* run("supervision", Effect.gen(function*() {
        const fiber = yield* Effect.forkChild(followPushed({
          reader: "perm-follow",
          stream: Streams.device,
          filterSubject: Subjects.deviceLaneFilter("tech"),
          from: { seq: 1 },
          onOpened: (pending) => opened.push(pending),
          onLost: (reason) => seen.push(`lost: ${reason}`),
          onMessage: (msg) => seen.push(msg.subject)
        }))
        const mine = Subjects.device("demo", "tech", "technical", "alarm-7")
        for (let i = 0; i < 100 && !seen.includes(mine); i++) yield* Effect.sleep("50 millis")
        yield* Fiber.interrupt(fiber)
      }))
      // Every tech-lane event stored so far (other tests' too), this one last; the session never lost.
      assert.strictEqual(opened.length, 1)
      assert.strictEqual(seen.length, opened[0])
      assert.strictEqual(seen.at(-1), Subjects.device("demo", "tech", "technical", "alarm-7"))
      assert.isTrue(seen.every((subject) => subject.startsWith("wt.dev.demo.tech.")))
    }))

  it.effect("the console reads GPS positions of WT_DEVICE through a consumer filtered to one tracker, and no other device event, nor any consumer of another", () =>
    Effect.gen(function*() {
      const tracker = Subjects.device("demo", "telemetry", "gps", "gps-perm-1")
      const alarm = Subjects.device("demo", "alarm", "safety_alarm", "alarm-perm-1")
      yield* run("gateway", publishRaw(tracker, bytes("{}"), { msgId: "perm-gps-1", timeoutMs: 2_000, attempts: 1 }))
      yield* run("gateway", publishRaw(alarm, bytes("{}"), { msgId: "perm-alarm-1", timeoutMs: 2_000, attempts: 1 }))
      const pushed = (name: string, filter: string | undefined) =>
        promised(({ jsm }) =>
          jsm.consumers.add(Streams.device, {
            name,
            deliver_subject: `${inboxPrefixOf("console")}.${name}`,
            ...(filter === undefined ? {} : { filter_subject: filter }),
            ack_policy: "none" as never,
            mem_storage: true,
            num_replicas: 1,
            inactive_threshold: 2_000_000_000
          })
        )
      // One tracker's positions, on either lane (SOS positions travel on the alarm lane).
      assert.strictEqual(yield* run("console", outcome(pushed("pos_ok", "wt.dev.demo.*.gps.gps-perm-1"))), "ok")
      // Anything else of WT_DEVICE is refused: another event type, every event, no filter, a pull, a message get.
      assert.strictEqual(yield* run("console", outcome(pushed("pos_alarm", alarm))), "refused")
      assert.strictEqual(yield* run("console", outcome(pushed("pos_all", Subjects.deviceAll))), "refused")
      assert.strictEqual(yield* run("console", outcome(pushed("pos_none", undefined))), "refused")
      assert.strictEqual(yield* run("console", outcome(readSubject(Streams.device, alarm))), "refused")
      assert.strictEqual(yield* run("console", outcome(promised(({ jsm }) => jsm.streams.getMessage(Streams.device, { seq: 1 })))), "refused")
      assert.strictEqual(yield* run("console", outcome(promised(({ jsm }) => jsm.consumers.delete(Streams.device, "pos_ok")))), "refused")
    }))

  it.effect("nobody but provisioning may delete WT_AUDIT or WT_AUDIT_SEALS, purge or change them; provisioning may", () =>
    Effect.gen(function*() {
      for (const user of NatsUsers.filter((u) => u !== "provision")) {
        for (const stream of [Streams.audit, SealStream.name]) {
          const attempt = (f: (client: NatsClient) => Promise<unknown>) => run(user, outcome(promised(f)))
          assert.strictEqual(yield* attempt(({ jsm }) => jsm.streams.delete(stream)), "refused", `${user} deleting ${stream}`)
          assert.strictEqual(yield* attempt(({ jsm }) => jsm.streams.purge(stream)), "refused", `${user} purging ${stream}`)
          assert.strictEqual(yield* attempt(({ jsm }) => jsm.streams.update(stream, { deny_delete: false, deny_purge: false })), "refused", `${user} updating ${stream}`)
        }
      }
      // The right exists, and is provisioning's alone (last: it takes the seals away).
      assert.strictEqual(yield* run("provision", outcome(promised(({ jsm }) => jsm.streams.delete(SealStream.name)))), "ok")
      const gone = yield* run("observer", outcome(promised(({ jsm }) => jsm.streams.info(SealStream.name))))
      assert.match(gone, /stream not found/i)
    }))
})

describe("the permission table", () => {
  const allows = (user: NatsUser, subject: string) => permissionsOf[user].publish.allow.includes(subject)

  it("every user subscribes to its own inbox only (the frame writers also to their marks), and no one but provisioning escapes the ban on administering streams", () => {
    const frameWriters: ReadonlyArray<NatsUser> = ["triage", "supervision", "audit"]
    for (const user of NatsUsers) {
      // The frame writers also hear each other's marks: positions, not data.
      assert.deepStrictEqual(permissionsOf[user].subscribe.allow, [`${inboxPrefixOf(user)}.>`, ...(frameWriters.includes(user) ? ["wt.framed.>"] : [])], user)
      const banned = permissionsOf[user].publish.deny.includes("$JS.API.STREAM.DELETE.>")
      assert.strictEqual(banned, user !== "provision", user)
      // No allow names a whole tree of data subjects it does not own.
      assert.notInclude(permissionsOf[user].publish.allow, ">", user)
      assert.notInclude(permissionsOf[user].publish.allow, "wt.>", user)
      assert.notInclude(permissionsOf[user].publish.allow, Subjects.auditAll, user)
    }
  })

  it("device events are written by the gateway, the receivers and the simulator only; incidents by triage, supervision, the console and dispatch only", () => {
    assert.deepStrictEqual(NatsUsers.filter((u) => allows(u, Subjects.deviceAll)), ["gateway", "receivers", "sim"])
    assert.deepStrictEqual(NatsUsers.filter((u) => allows(u, Subjects.incidentAll)), ["triage", "supervision", "console", "dispatch"])
    assert.deepStrictEqual(NatsUsers.filter((u) => allows(u, "wt.seal.>")), ["audit"])
  })
})
