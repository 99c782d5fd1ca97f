import { spawnSync } from "node:child_process"
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { connect } from "@nats-io/transport-node"
import { Streams, Subjects } from "@wt/contracts"
import { Effect, Exit, Layer, Schedule, Scope } from "effect"
import { defaultNatsSettings } from "./config.ts"
import { Nats } from "./connection.ts"
import { findNatsServer, freePort, resolveNats, startEmbeddedNats } from "./embedded.ts"
import { publishRaw } from "./publish.ts"
import { readSubject } from "./read.ts"
import { provisionStreamsWith } from "./streams.ts"
import { authenticatorOf } from "./credentials.ts"
import { ensureLocalNatsSecurity, type NatsClientAccess } from "./local-security.ts"
import { deployClusterNode, deployClusterSecurity, deployPlacement, natsClusterNodeConf, natsServerConf } from "./server-config.ts"

const deployConf = fileURLToPath(new URL("../../../deploy/nats/nats.conf", import.meta.url))

const reachable = (url: string, access?: NatsClientAccess) =>
  Effect.promise(() =>
    connect({
      servers: url,
      reconnect: false,
      timeout: 1_000,
      ...(access === undefined ? {} : { authenticator: authenticatorOf(access.auth)! }),
      ...(access?.tls === undefined ? {} : { tls: { caFile: access.tls.caFile } })
    }).then(
      async (nc) => {
        const jetstream = nc.info?.jetstream === true
        await nc.close()
        return { up: true, jetstream }
      },
      () => ({ up: false, jetstream: false })
    )
  )

const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "wt-embedded-test-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

/** `nats-server -t`: whether the server accepts the configuration file. */
const serverAccepts = (confPath: string, cwd: string) => {
  const binary = findNatsServer()
  assert.isDefined(binary, "nats-server must be installed to run the NATS tests")
  return spawnSync(binary!, ["-t", "-c", confPath], { encoding: "utf8", cwd })
}

describe("nats-server configuration", () => {
  it("deploy/nats/nats.conf is what natsServerConf renders for the deploy placement", () => {
    assert.strictEqual(readFileSync(deployConf, "utf8"), natsServerConf(deployPlacement))
  })

  it("nats-server accepts deploy/nats/nats.conf with the secrets pnpm start makes in .data/nats/secrets", () => {
    // The repository's layout in a temp directory: the file where it is, the secrets where pnpm start puts them.
    const root = mkdtempSync(join(tmpdir(), "wt-deploy-conf-"))
    try {
      mkdirSync(join(root, "deploy", "nats"), { recursive: true })
      copyFileSync(deployConf, join(root, "deploy", "nats", "nats.conf"))
      ensureLocalNatsSecurity({ dir: join(root, ".data", "nats", "secrets"), tls: false })
      const check = serverAccepts(join(root, "deploy", "nats", "nats.conf"), root)
      assert.strictEqual(check.status, 0, check.stderr)
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })

  it("deploy/nats/cluster/nats-<n>.conf are what natsClusterNodeConf renders, and nats-server accepts that configuration with TLS on", () => {
    for (const n of [1, 2, 3]) {
      const file = fileURLToPath(new URL(`../../../deploy/nats/cluster/nats-${n}.conf`, import.meta.url))
      assert.strictEqual(readFileSync(file, "utf8"), natsClusterNodeConf(deployClusterNode(n), deployClusterSecurity(n)))
    }
    // The same rendering with this machine's paths in place of the container's.
    const root = mkdtempSync(join(tmpdir(), "wt-cluster-conf-"))
    try {
      const nodes = [1, 2, 3].map((n) => ({ name: `nats-${n}`, hosts: ["127.0.0.1", "localhost"] }))
      const security = ensureLocalNatsSecurity({ dir: join(root, "secrets"), tls: true, nodes })
      const node = security.tls!.nodes["nats-1"]!
      writeFileSync(
        join(root, "nats-1.conf"),
        natsClusterNodeConf({ ...deployClusterNode(1), storeDir: join(root, "store") }, {
          authorizationInclude: "secrets/authorization.conf",
          tls: { certFile: node.certFile, keyFile: node.keyFile, caFile: security.tls!.caFile }
        })
      )
      const check = serverAccepts(join(root, "nats-1.conf"), root)
      assert.strictEqual(check.status, 0, check.stderr)
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})

describe("startEmbeddedNats", () => {
  it.live("runs nats-server with JetStream under <dataDir>/nats and stops it when the scope closes", () =>
    Effect.gen(function*() {
      const dataDir = yield* tempDir
      const scope = yield* Scope.make()
      const server = yield* startEmbeddedNats({ dataDir }).pipe(Scope.provide(scope))
      assert.strictEqual(server.kind, "process")
      assert.deepStrictEqual(yield* reachable(server.url, server.access!("observer")), { up: true, jetstream: true })
      // Users only: a client without credentials is refused.
      assert.deepStrictEqual(yield* reachable(server.url), { up: false, jetstream: false })
      assert.isTrue(existsSync(join(dataDir, "nats", "jetstream")))
      assert.isTrue(existsSync(join(dataDir, "nats", "nats.conf")))

      // A second program with the same data directory (e.g. `pnpm wt`) finds it instead of starting another.
      const previous = process.env["NATS_URL"]
      delete process.env["NATS_URL"]
      const found = yield* resolveNats({ dataDir }).pipe(Effect.scoped, Effect.ensuring(Effect.sync(() => {
        if (previous !== undefined) process.env["NATS_URL"] = previous
      })))
      assert.deepStrictEqual({ url: found.url, kind: found.kind }, { url: server.url, kind: "external" })
      // ... and connects with the same users' keys.
      assert.deepStrictEqual(found.access?.("cli"), server.access!("cli"))

      yield* Scope.close(scope, Exit.void)
      assert.deepStrictEqual(yield* reachable(server.url, server.access!("observer")), { up: false, jetstream: false })
      assert.isFalse(existsSync(join(dataDir, "nats", "server.json")))
    }))

  it.live("with TLS on, the server takes only TLS clients that trust the local CA it made, with a user's key", () =>
    Effect.gen(function*() {
      const dataDir = yield* tempDir
      const server = yield* startEmbeddedNats({ dataDir, tls: true })
      assert.isTrue(server.tls)
      const observer = server.access!("observer")
      assert.isDefined(observer.tls)
      assert.isTrue(existsSync(join(dataDir, "nats", "secrets", "tls", "ca.pem")))
      assert.deepStrictEqual(yield* reachable(server.url, observer), { up: true, jetstream: true })
      // The key without the CA: the server's certificate is not trusted.
      assert.deepStrictEqual(yield* reachable(server.url, { ...observer, tls: undefined }), { up: false, jetstream: false })
      const attempt = yield* Effect.promise(() =>
        connect({ servers: server.url, reconnect: false, timeout: 1_000, authenticator: authenticatorOf(observer.auth)!, tls: null }).then(
          async (nc) => {
            await nc.close()
            return "connected"
          },
          (error: Error) => error.message
        )
      )
      // A client that will not speak TLS is turned away.
      assert.notStrictEqual(attempt, "connected")
    }).pipe(Effect.scoped))

  it.live("a connection rides out a server restart, and the restarted server still has the stored events", () =>
    Effect.gen(function*() {
      const dataDir = yield* tempDir
      const port = yield* freePort
      const first = yield* Scope.make()
      const server = yield* startEmbeddedNats({ dataDir, port, testUser: true }).pipe(Scope.provide(first))
      const context = yield* Layer.build(Nats.layerWith({ url: server.url, name: "restart-test", ...server.access!("test") }))
      const withNats = <A, E>(effect: Effect.Effect<A, E, Nats>) => Effect.provide(effect, context)
      yield* withNats(provisionStreamsWith(defaultNatsSettings))
      const subject = Subjects.incident("t1", "inc-restart")
      yield* withNats(publishRaw(subject, new TextEncoder().encode("{}"), { msgId: "restart-1" }))

      yield* Scope.close(first, Exit.void)
      yield* startEmbeddedNats({ dataDir, port, testUser: true })
      yield* withNats(publishRaw(subject, new TextEncoder().encode("{}"), { msgId: "restart-2", timeoutMs: 1_000 })).pipe(
        Effect.retry({ times: 20, schedule: Schedule.spaced("250 millis") })
      )
      const history = yield* withNats(readSubject(Streams.incident, subject))
      assert.strictEqual(history.length, 2)
    }))

  it.live("resolveNats uses NATS_URL when it is set, without starting anything", () =>
    Effect.gen(function*() {
      const dataDir = yield* tempDir
      const previous = process.env["NATS_URL"]
      process.env["NATS_URL"] = "nats://nats.example:4222"
      const resolved = yield* resolveNats({ dataDir }).pipe(Effect.ensuring(Effect.sync(() => {
        if (previous === undefined) delete process.env["NATS_URL"]
        else process.env["NATS_URL"] = previous
      })))
      assert.deepStrictEqual({ url: resolved.url, kind: resolved.kind }, { url: "nats://nats.example:4222", kind: "external" })
      assert.isFalse(existsSync(join(dataDir, "nats")))
    }))
})
