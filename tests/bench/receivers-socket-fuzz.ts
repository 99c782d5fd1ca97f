/**
 * `pnpm bench receivers`, part (e): arbitrary bytes over the real sockets of every receiver, then
 * a valid frame that must still be answered "stored": the receiver keeps serving whatever it was
 * sent before. Answers to the garbage are counted by kind; an HTTP 500 (a handler that failed) is a
 * violation, as is a valid frame left unanswered or a service process that exited.
 */
import { createHmac } from "node:crypto"
import { createSocket } from "node:dgram"
import { Agent, request as httpRequest } from "node:http"
import { connect } from "node:net"
import { makeRng, type Rng } from "@wt/seeded-random"
import { demoWireDigits } from "@wt/registry/demo"
import { contactIdData, encodeDc09, readDc09Reply } from "@wt/sim-devices/protocols/dc09"
import { queryRequest } from "@wt/sim-devices/protocols/osmand"
import { encodeMrq, readMrs } from "@wt/sim-devices/protocols/scaip"
import { dispenserDelivery } from "@wt/sim-devices/protocols/webhook"
import { arbitraryBytes, mutate, validFrames } from "./receivers-fuzz.ts"
import type { Installation } from "./receivers-load.ts"

export interface SocketFuzzFigure {
  readonly receiver: string
  readonly inputs: number
  readonly seconds: number
  /** What came back: DC-09 answer kinds, SCAIP snu values, HTTP statuses, closed connections. */
  readonly answers: Readonly<Record<string, number>>
  /** The valid frame sent afterwards: "ACK", "snu 0", "200", or what happened instead. */
  readonly afterwards: string
  readonly violations: ReadonlyArray<string>
}

const Host = "127.0.0.1"
const utf8 = new TextEncoder()
const count = (m: Map<string, number>, key: string) => m.set(key, (m.get(key) ?? 0) + 1)
const sorted = (m: Map<string, number>) => Object.fromEntries([...m].sort((a, b) => b[1] - a[1]).slice(0, 30))
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

// A demo unit that does not encrypt (alarm-000001; every fourth one encrypts): what the checks send as.
const plainAccount = demoWireDigits("1", { id: "alarm-000001", type: "safety_alarm" })!
const tracker = demoWireDigits("1", { id: "gps-000001", type: "gps" })!
const dispenser = demoWireDigits("1", { id: "med-000001", type: "medication" })!
let sequence = 0
const linkTest = () => ({ type: "NULL" as const, sequence: (++sequence % 9999) + 1, line: "1", account: plainAccount, data: "", timestamp: new Date() })

/** Writes every input on a few long-lived connections without waiting, ends them, and collects what came back. */
const tcpBarrage = async (port: number, inputs: ReadonlyArray<Uint8Array>, connections: number, onAnswer: (received: Buffer) => void) => {
  await Promise.all(Array.from({ length: connections }, (_, c) =>
    new Promise<void>((resolve) => {
      const socket = connect({ host: Host, port })
      const timer = setTimeout(() => socket.destroy(), 120_000)
      const chunks: Array<Buffer> = []
      socket.on("data", (chunk) => chunks.push(chunk))
      socket.on("error", () => undefined)
      socket.on("close", () => {
        clearTimeout(timer)
        onAnswer(Buffer.concat(chunks))
        resolve()
      })
      socket.on("connect", () => {
        for (let i = c; i < inputs.length; i += connections) socket.write(inputs[i]!)
        socket.end()
      })
    })))
}

/** One valid frame on a fresh TCP connection; what came back (or "" after the timeout). */
const tcpOnce = (port: number, bytes: Uint8Array, done: (b: Buffer) => boolean, timeoutMs = 5000) =>
  new Promise<Buffer>((resolve) => {
    const chunks: Array<Buffer> = []
    const socket = connect({ host: Host, port })
    const finish = () => {
      clearTimeout(timer)
      socket.destroy()
      resolve(Buffer.concat(chunks))
    }
    const timer = setTimeout(finish, timeoutMs)
    socket.on("connect", () => socket.write(bytes))
    socket.on("data", (c) => {
      chunks.push(c)
      if (done(Buffer.concat(chunks))) finish()
    })
    socket.on("error", finish)
    socket.on("close", finish)
  })

const dc09Inputs = (rng: Rng, n: number): Array<Uint8Array> =>
  Array.from({ length: n }, () => {
    const roll = rng.int(0, 19)
    const valid = encodeDc09({ ...linkTest(), type: "ADM-CID", data: contactIdData(plainAccount, { qualifier: 1, code: rng.pick(["101", "602", "302"]) }) })
    if (roll < 8) return arbitraryBytes(rng, 300)
    if (roll < 16) return mutate(rng, valid, [0x0a, 0x0d, 0x22, 0x5b, 0x5d, 0x7c, 0x2a, 0x23, 0x5f])
    if (roll < 19) return Uint8Array.from([0x0a, ...arbitraryBytes(rng, 200), 0x0d])
    return Uint8Array.from({ length: rng.int(4200, 9000) }, () => rng.int(0x20, 0x7e))
  })

const mrqInputs = (rng: Rng, n: number, frames: ReadonlyArray<Uint8Array>): Array<Uint8Array> =>
  Array.from({ length: n }, () => {
    const roll = rng.int(0, 19)
    if (roll < 8) return arbitraryBytes(rng, 400)
    if (roll < 17) return mutate(rng, rng.pick(frames), [0x3c, 0x3e, 0x2f, 0x26, 0x00, 0xff])
    if (roll < 19) return utf8.encode(`<mrq><ref>${"A".repeat(rng.int(1, 40))}</ref>${"<x>".repeat(rng.int(0, 300))}</mrq>`)
    return utf8.encode(`<mrq><lte>${"x".repeat(rng.int(9000, 20000))}</lte></mrq>`)
  })

const dc09Tcp = async (system: Installation, rng: Rng, n: number): Promise<SocketFuzzFigure> => {
  const answers = new Map<string, number>()
  const t0 = performance.now()
  await tcpBarrage(system.protocolPorts.dc09, dc09Inputs(rng, n), 8, (received) => {
    for (const answer of received.toString("latin1").split("\r").filter((a) => a.includes("\n"))) {
      count(answers, readDc09Reply(Buffer.from(`${answer.slice(answer.indexOf("\n"))}\r`, "latin1")).kind)
    }
  })
  return dc09Check("dc09 tcp", n, t0, answers, async (bytes) => tcpOnce(system.protocolPorts.dc09, bytes, (b) => b.includes(0x0d)))
}

const dc09Udp = async (system: Installation, rng: Rng, n: number): Promise<SocketFuzzFigure> => {
  const answers = new Map<string, number>()
  const t0 = performance.now()
  const socket = createSocket("udp4")
  socket.on("message", (m) => count(answers, readDc09Reply(new Uint8Array(m)).kind))
  const inputs = dc09Inputs(rng, n).map((b) => (b.length > 1400 ? b.subarray(0, 1400) : b))
  for (let i = 0; i < inputs.length; i++) {
    socket.send(inputs[i]!, system.protocolPorts.dc09, Host)
    // Bursts of 50: a flood beyond the receiver's in-flight limit is dropped, not fuzzed.
    if (i % 50 === 49) await sleep(5)
  }
  await sleep(2000)
  socket.close()
  return dc09Check("dc09 udp", n, t0, answers, async (bytes) => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const reply = await new Promise<Buffer | undefined>((resolve) => {
        const s = createSocket("udp4")
        const timer = setTimeout(() => (s.close(), resolve(undefined)), 3000)
        s.on("message", (m) => (clearTimeout(timer), s.close(), resolve(m)))
        s.send(bytes, system.protocolPorts.dc09, Host)
      })
      if (reply !== undefined) return reply
    }
    return Buffer.alloc(0)
  })
}

const dc09Check = async (receiver: string, n: number, t0: number, answers: Map<string, number>, exchange: (bytes: Uint8Array) => Promise<Buffer>): Promise<SocketFuzzFigure> => {
  const seconds = Math.round((performance.now() - t0) / 100) / 10
  const m = linkTest()
  const reply = readDc09Reply(new Uint8Array(await exchange(encodeDc09(m))))
  const ok = reply.kind === "ACK" && reply.sequence === m.sequence
  return {
    receiver,
    inputs: n,
    seconds,
    answers: sorted(answers),
    afterwards: ok ? "ACK" : `no ACK (${reply.kind === "invalid" ? reply.reason : reply.kind})`,
    violations: ok ? [] : [`${receiver}: a valid link test after the fuzz was not ACKed`]
  }
}

const scaipTcp = async (system: Installation, rng: Rng, n: number, frames: ReadonlyArray<Uint8Array>): Promise<SocketFuzzFigure> => {
  const answers = new Map<string, number>()
  const t0 = performance.now()
  await tcpBarrage(system.protocolPorts.scaip, mrqInputs(rng, n, frames), 8, (received) => {
    for (const doc of received.toString("utf8").split(/<\/mrs>/iu).slice(0, -1)) count(answers, `snu ${readMrs(`${doc}</mrs>`).snu ?? "?"}`)
  })
  const seconds = Math.round((performance.now() - t0) / 100) / 10
  const mrq = encodeMrq({ ref: `Z${Date.now().toString(36).toUpperCase()}`, cid: plainAccount, dty: 2, mty: "PI" })
  const answer = readMrs((await tcpOnce(system.protocolPorts.scaip, utf8.encode(mrq), (b) => b.toString().includes("</mrs>"))).toString())
  const ok = answer.snu === 0
  return { receiver: "scaip tcp", inputs: n, seconds, answers: sorted(answers), afterwards: ok ? "snu 0" : `snu ${answer.snu ?? "none"}`, violations: ok ? [] : ["scaip tcp: a valid heartbeat after the fuzz was not answered snu 0"] }
}

interface HttpOut {
  readonly status: number | "error"
  readonly body: string
}

const agent = new Agent({ keepAlive: true, maxSockets: 16 })

const http = (port: number, method: string, path: string, headers: Record<string, string>, body?: Uint8Array) =>
  new Promise<HttpOut>((resolve) => {
    let req
    try {
      req = httpRequest({ host: Host, port, method, path, headers: body === undefined ? headers : { ...headers, "content-length": String(body.length) }, agent, timeout: 15_000 }, (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (c) => chunks.push(c))
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }))
        res.on("error", () => resolve({ status: "error", body: "" }))
      })
    } catch (error) {
      return resolve({ status: "error", body: String(error) })
    }
    req.on("error", () => resolve({ status: "error", body: "" }))
    req.on("timeout", () => req.destroy())
    req.end(body)
  })

/** Raw bytes to an HTTP port: what a broken client or a port scanner sends. */
const rawHttp = (port: number, bytes: Uint8Array) =>
  new Promise<string>((resolve) => {
    const socket = connect({ host: Host, port })
    const chunks: Array<Buffer> = []
    const timer = setTimeout(() => socket.destroy(), 3000)
    socket.on("connect", () => socket.end(bytes))
    socket.on("data", (c) => chunks.push(c))
    socket.on("error", () => undefined)
    socket.on("close", () => {
      clearTimeout(timer)
      const status = /^HTTP\/1\.[01] (\d{3})/u.exec(Buffer.concat(chunks).toString("latin1"))?.[1]
      resolve(status === undefined ? "closed" : status)
    })
  })

/** Bytes written into a URL: printable ones as they are (so `%`, `&`, `=` can break the query), the rest escaped. */
const asPath = (bytes: Uint8Array) =>
  `/?${Array.from(bytes, (b) => (b > 0x20 && b < 0x7f && b !== 0x23 ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, "0").toUpperCase()}`)).join("")}`

const rawGarbage = (rng: Rng): Uint8Array => {
  const roll = rng.int(0, 3)
  if (roll === 0) return arbitraryBytes(rng, 400)
  if (roll === 1) return utf8.encode(`${rng.pick(["GET", "POST", "PUT", "BREW"])} /${String.fromCharCode(...arbitraryBytes(rng, 60))} HTTP/1.1\r\n\r\n`)
  if (roll === 2) return utf8.encode(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${rng.int(0, 99999)}\r\n\r\n${String.fromCharCode(...arbitraryBytes(rng, 100))}`)
  return utf8.encode(`POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${rng.int(0, 0xffff).toString(16)}\r\n${String.fromCharCode(...arbitraryBytes(rng, 80))}\r\n`)
}

const inParallel = async <A>(items: ReadonlyArray<A>, width: number, f: (a: A) => Promise<void>) => {
  let next = 0
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await f(items[next++]!)
  }))
}

const httpFuzz = async (
  receiver: string,
  port: number,
  n: number,
  rng: Rng,
  request: (i: number) => Promise<HttpOut>,
  check: () => Promise<{ ok: boolean; said: string }>
): Promise<SocketFuzzFigure> => {
  const answers = new Map<string, number>()
  const violations: Array<string> = []
  const t0 = performance.now()
  await inParallel(Array.from({ length: n }, (_, i) => i), 16, async (i) => {
    if (i % 4 === 0) {
      count(answers, `raw ${await rawHttp(port, rawGarbage(rng))}`)
      return
    }
    const out = await request(i)
    count(answers, String(out.status))
    if (out.status === 500 && violations.length < 10) violations.push(`${receiver}: input ${i} answered 500 ${out.body.slice(0, 100)}`)
  })
  const seconds = Math.round((performance.now() - t0) / 100) / 10
  const after = await check()
  if (!after.ok) violations.push(`${receiver}: the valid request after the fuzz was answered ${after.said}`)
  return { receiver, inputs: n, seconds, answers: sorted(answers), afterwards: after.said, violations }
}

/** The dispenser vendor's signature over the raw bytes: `<timestamp>.<body>`. */
const signed = (secret: string, ts: string, body: Uint8Array) => createHmac("sha256", secret).update(Buffer.concat([Buffer.from(`${ts}.`), body])).digest("hex")

export const fuzzSockets = async (system: Installation, n: number, seed = 5): Promise<ReadonlyArray<SocketFuzzFigure>> => {
  const rng = makeRng(seed, 11)
  const frames = validFrames(1500, seed)
  const figures: Array<SocketFuzzFigure> = []
  figures.push(await dc09Tcp(system, rng, n))
  figures.push(await dc09Udp(system, rng, n))
  figures.push(await scaipTcp(system, rng, n, frames.scaip))

  const scaipPort = system.protocolPorts.scaip
  figures.push(await httpFuzz("scaip http", scaipPort, n, rng, () => {
    const body = rng.chance(0.5) ? mutate(rng, rng.pick(frames.scaip), [0x3c, 0x3e, 0x2f, 0x26, 0x00]) : arbitraryBytes(rng, 500)
    return http(scaipPort, rng.chance(0.95) ? "POST" : "GET", "/", { "content-type": "application/scaip+xml" }, body)
  }, async () => {
    const out = await http(scaipPort, "POST", "/", { "content-type": "application/scaip+xml" }, utf8.encode(encodeMrq({ ref: `H${Date.now().toString(36).toUpperCase()}`, cid: plainAccount, dty: 2, mty: "PI" })))
    const snu = readMrs(out.body).snu
    return { ok: out.status === 200 && snu === 0, said: `${out.status} snu ${snu ?? "none"}` }
  }))

  const osmandPort = system.protocolPorts.osmand
  figures.push(await httpFuzz("osmand http", osmandPort, n, rng, () => {
    if (rng.chance(0.5)) {
      const query = rng.chance(0.7) ? mutate(rng, rng.pick(frames.osmandQuery), [0x26, 0x3d, 0x25, 0x2b, 0x00, 0xff]) : arbitraryBytes(rng, 300)
      return http(osmandPort, "GET", asPath(query), {})
    }
    const body = rng.chance(0.7) ? mutate(rng, rng.pick(frames.osmandJson), [0x7b, 0x7d, 0x22, 0x3a, 0x2c, 0x5c]) : arbitraryBytes(rng, 800)
    return http(osmandPort, "POST", "/", { "content-type": rng.chance(0.8) ? "application/json" : "application/x-www-form-urlencoded" }, body)
  }, async () => {
    const fix = queryRequest({ deviceId: tracker, epochMs: Date.now(), lat: 69.15, lon: 17.41, batteryPct: 80 })
    const out = await http(osmandPort, "GET", fix.url, {})
    return { ok: out.status === 200, said: String(out.status) }
  }))

  const gateway = new URL(system.ingestUrl)
  const gatewayPort = Number(gateway.port)
  const secret = system.webhookSecrets["demo-dispenser"]!
  figures.push(await httpFuzz("webhook http", gatewayPort, n, rng, () => {
    const roll = rng.int(0, 9)
    const body = roll < 6 ? mutate(rng, rng.pick(frames.webhook).body, [0x7b, 0x7d, 0x22, 0x3a, 0x2c, 0x5c]) : arbitraryBytes(rng, 1500)
    const vendor = roll === 9 ? "no-such-vendor" : "demo-dispenser"
    const ts = String(Date.now())
    // Most signed right, so the body reaches the mapping; some not, which must stay a 401.
    const signature = rng.chance(0.8) ? signed(secret, ts, body) : Buffer.from(arbitraryBytes(rng, 64)).toString("hex")
    return http(gatewayPort, "POST", `/v1/webhooks/${vendor}`, { "content-type": "application/json", "x-timestamp": ts, "x-signature": signature }, body)
  }, async () => {
    const delivery = dispenserDelivery([{ transactionId: `tx-${Date.now()}`, serial: dispenser, measurement: "heartbeat", atMs: Date.now() }], secret, Date.now())
    const out = await http(gatewayPort, "POST", delivery.path, delivery.headers, utf8.encode(delivery.body))
    return { ok: out.status === 200, said: String(out.status) }
  }))
  agent.destroy()
  return figures
}
