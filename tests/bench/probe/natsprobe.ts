/**
 * What nats-server 2.9 spends per message on a stream with one subject per device:
 * publishing, draining a lane-filtered and an unfiltered durable, and KV writes.
 * `pnpm exec node tests/bench/probe/natsprobe.ts [messages] [devices] [filtered,unfiltered,alarm] [kv]`
 * (starts its own nats-server on port 14333, profiler on 16333).
 */
import { connect } from "@nats-io/transport-node"
import { jetstream, jetstreamManager, AckPolicy } from "@nats-io/jetstream"
import { spawn } from "node:child_process"
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"

const port = 14333
const dir = "/tmp/natsprobe-store"
rmSync(dir, { recursive: true, force: true }); mkdirSync(dir)
const conf = `/tmp/natsprobe.conf`
writeFileSync(conf, `port: ${port}\nhost: 127.0.0.1\nprof_port: 16333\njetstream { store_dir: "${dir}" }\n`)
const srv = spawn("/usr/sbin/nats-server", ["-c", conf], { stdio: "ignore" })
await new Promise((r) => setTimeout(r, 800))
const cpu = () => { const f = readFileSync(`/proc/${srv.pid}/stat`, "utf8").split(") ")[1]!.split(" "); return (Number(f[11]) + Number(f[12])) * 10 }
const nc = await connect({ servers: `127.0.0.1:${port}` })
const jsm = await jetstreamManager(nc); const js = jetstream(nc)
await jsm.streams.add({ name: "S", subjects: ["wt.dev.>"], storage: "file" as any })
const N = Number(process.argv[2] ?? 40000), DEV = Number(process.argv[3] ?? 20000)
const body = new Uint8Array(400).fill(65)
let t0 = Date.now(), c0 = cpu()
const inflight: Promise<unknown>[] = []
for (let i = 0; i < N; i++) {
  const r = i % 20
  const lane = r < 11 ? "tech" : r < 17 ? "telemetry" : "alarm"
  inflight.push(js.publish(`wt.dev.demo.${lane}.x.d${i % DEV}`, body))
  if (inflight.length >= 500) { await Promise.all(inflight); inflight.length = 0 }
}
await Promise.all(inflight)
console.log(`publish ${N}: ${Date.now() - t0} ms, server cpu ${cpu() - c0} ms`)
const mode = process.argv[4] ?? "filtered,unfiltered"
for (const m of mode.split(",")) {
  const filter = m === "filtered" ? "wt.dev.*.tech.>" : m === "alarm" ? "wt.dev.*.alarm.>" : "wt.dev.>"
  await jsm.consumers.add("S", { durable_name: m, ack_policy: AckPolicy.Explicit, filter_subject: filter, max_ack_pending: 256 })
  const info0 = await jsm.consumers.info("S", m)
  const want = info0.num_pending
  const c = await js.consumers.get("S", m)
  t0 = Date.now(); c0 = cpu()
  let got = 0
  const msgs = await c.consume({ max_messages: 256 })
  for await (const msg of msgs) { msg.ack(); if (++got >= want) break }
  await nc.flush()
  console.log(`${m} (${filter}): ${got} msgs in ${Date.now() - t0} ms, server cpu ${cpu() - c0} ms = ${((cpu() - c0) * 1000 / got).toFixed(1)} us/msg`)
}
if (process.argv[5] === "kv") {
  const { Kvm } = await import("@nats-io/kv")
  const kv = await new Kvm(nc).create("seen", { history: 1 })
  t0 = Date.now(); c0 = cpu()
  for (let i = 0; i < DEV; i++) await kv.put(`d${i}`, "x")
  console.log(`kv put ${DEV}: ${Date.now() - t0} ms server cpu ${cpu() - c0}`)
  t0 = Date.now(); c0 = cpu()
  const ps: Promise<unknown>[] = []
  for (let i = 0; i < DEV; i++) { const e = await kv.get(`d${i}`); ps.push(kv.update(`d${i}`, "y", e!.revision)); if (ps.length > 200) { await Promise.all(ps); ps.length = 0 } }
  await Promise.all(ps)
  console.log(`kv get+update ${DEV}: ${Date.now() - t0} ms server cpu ${cpu() - c0}`)
}
await nc.close(); srv.kill()
