import { type ChildProcess, spawn } from "node:child_process"
import { clientOf } from "./client.ts"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import { makeNats } from "./connection.ts"
import { findNatsServer, freePort } from "./embedded.ts"
import { ensureLocalNatsSecurity } from "./local-security.ts"
import { natsClusterNodeConf } from "./server-config.ts"

/**
 * The secrets generation takes a list of nodes: three nodes on loopback, each with its own
 * certificate from one local CA, configured by natsClusterNodeConf (the deploy cluster's
 * configuration with local placement), form a cluster over TLS routes that verify both ends, and
 * the installation's users work across it.
 */
describe("a three-node cluster from natsClusterNodeConf and ensureLocalNatsSecurity", () => {
  it.live("forms over verified TLS routes; provisioning makes a stream with three replicas, the gateway cannot", () =>
    Effect.gen(function*() {
      const binary = findNatsServer()
      assert.isDefined(binary, "nats-server must be installed to run the NATS tests")
      const root = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "wt-cluster-conf-"))),
        (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
      )
      const nodes = ["nats-a", "nats-b", "nats-c"].map((name) => ({ name, hosts: ["127.0.0.1", "localhost"] }))
      const security = ensureLocalNatsSecurity({ dir: join(root, "secrets"), tls: true, nodes })
      const ports = yield* Effect.forEach(nodes, () => Effect.all({ client: freePort, cluster: freePort, http: freePort }))
      for (const [i, node] of nodes.entries()) {
        const files = security.tls!.nodes[node.name]!
        mkdirSync(join(root, node.name))
        writeFileSync(
          join(root, `${node.name}.conf`),
          natsClusterNodeConf({
            serverName: node.name,
            host: "127.0.0.1",
            port: ports[i]!.client,
            httpPort: ports[i]!.http,
            storeDir: join(root, node.name),
            clusterName: "wt",
            clusterHost: "127.0.0.1",
            clusterPort: ports[i]!.cluster,
            routes: ports.map((p) => `nats-route://127.0.0.1:${p.cluster}`)
          }, { authorizationInclude: "secrets/authorization.conf", tls: { certFile: files.certFile, keyFile: files.keyFile, caFile: security.tls!.caFile } })
        )
        yield* Effect.acquireRelease(
          Effect.sync(() => spawn(binary!, ["-c", join(root, `${node.name}.conf`)], { stdio: "ignore" })),
          (child: ChildProcess) =>
            Effect.callback<void>((resume) => {
              if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
              child.once("exit", () => resume(Effect.void))
              child.kill("SIGTERM")
            })
        )
      }
      const url = ports.map((p) => `nats://127.0.0.1:${p.client}`).join(",")
      // Until the three have met and elected a meta leader (JetStream does not answer before, and a
      // first connection on a busy machine can come before that).
      const provision = yield* makeNats({ url, name: "cluster-provision", ...security.access("provision") }).pipe(
        Effect.retry({ schedule: Schedule.spaced("500 millis"), times: 60 })
      )
      const info = yield* Effect.tryPromise(() => clientOf(provision).jsm.streams.add({ name: "WT_CLUSTER_CHECK", subjects: ["wt.check.>"], num_replicas: 3 })).pipe(
        Effect.retry({ schedule: Schedule.spaced("500 millis"), times: 60 })
      )
      assert.strictEqual(info.cluster?.name, "wt")
      assert.strictEqual((info.cluster?.replicas ?? []).length + 1, 3)
      const gateway = yield* makeNats({ url, name: "cluster-gateway", ...security.access("gateway") })
      const refused = yield* Effect.flip(Effect.tryPromise({ try: () => clientOf(gateway).jsm.streams.delete("WT_CLUSTER_CHECK"), catch: (cause) => cause }))
      assert.match(String(refused), /permissions violation/i)
    }).pipe(Effect.scoped), 90_000)
})
