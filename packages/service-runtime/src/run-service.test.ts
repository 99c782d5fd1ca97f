import { describe, expect, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { once } from "node:events"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { externalAddress, probe } from "./testing.ts"

const fixture = fileURLToPath(new URL("./run-service.fixture.ts", import.meta.url))

/** Starts the fixture service; collects its stdout as parsed JSON log records. */
const start = (env: Record<string, string> = {}) => {
  // What this test is run with says nothing about where the fixture should listen.
  const { WT_BIND_HOST: _host, WT_METRICS: _metrics, WT_METRICS_TOKEN: _token, ...inherited } = process.env
  const child = spawn(process.execPath, [fixture], {
    env: { ...inherited, LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const records: Array<Record<string, unknown>> = []
  const waiters: Array<() => void> = []
  createInterface({ input: child.stdout }).on("line", (line) => {
    records.push(JSON.parse(line) as Record<string, unknown>)
    for (const wake of waiters.splice(0)) wake()
  })
  const stderr: Array<string> = []
  child.stderr.on("data", (chunk) => stderr.push(String(chunk)))
  // "close", not "exit": the process can exit before its last log lines have been read from the pipe.
  const exited = once(child, "close").then(([code]) => code as number | null)
  const waitFor = async (msg: string) => {
    const deadline = Date.now() + 15_000
    while (!records.some((r) => r.msg === msg)) {
      if (Date.now() > deadline || child.exitCode !== null) {
        throw new Error(`no "${msg}" log; stdout: ${JSON.stringify(records)} stderr: ${stderr.join("")}`)
      }
      await new Promise<void>((resolve) => {
        waiters.push(resolve)
        setTimeout(resolve, 200)
      })
    }
    return records.find((r) => r.msg === msg)!
  }
  return { child, records, exited, waitFor, stderr }
}

describe("runService", () => {
  it("serves until SIGTERM, then runs finalizers in order and exits 0, logging JSON through pino", async () => {
    const service = start()
    const listening = await service.waitFor("http listening")
    await service.waitFor("service started")

    const health = await fetch(`${listening.url as string}/healthz`)
    expect(health.status).toBe(200)

    service.child.kill("SIGTERM")
    expect(await service.exited).toBe(0)

    const messages = service.records.map((r) => r.msg)
    expect(messages.slice(messages.indexOf("service started"))).toEqual([
      "service started",
      "service stopping",
      "worker released",
      "service stopped"
    ])
    expect(service.records.every((r) => r.service === "fixture-svc" && typeof r.level === "number")).toBe(true)
  })

  it("logs a startup failure with its cause and exits 1", async () => {
    const service = start({ WT_FIXTURE_FAIL: "1" })
    expect(await service.exited).toBe(1)
    const failed = service.records.find((r) => r.msg === "service failed")
    expect(failed?.level).toBe(50)
    expect(failed?.cause).toContain("StartupFailed")
    expect(service.records.some((r) => r.msg === "service started")).toBe(false)
  })
})

const portOf = (url: string) => new URL(url).port

describe("where a service listens, and who reads its metrics", () => {
  it("without WT_BIND_HOST a service listens on 127.0.0.1 only, and answers /metrics there", async () => {
    const service = start()
    try {
      const listening = await service.waitFor("http listening")
      expect(listening.host).toBe("127.0.0.1")
      const url = listening.url as string
      expect(new URL(url).hostname).toBe("127.0.0.1")
      expect(await probe(`${url}/healthz`)).toBe(200)
      expect(await probe(`${url}/metrics`)).toBe(200)
      // Through the machine's own network address it is not there at all.
      expect(externalAddress).toBeDefined()
      expect(await probe(`http://${externalAddress}:${portOf(url)}/healthz`)).toBe("ECONNREFUSED")
    } finally {
      service.child.kill("SIGTERM")
      await service.exited
    }
  })

  it("with WT_BIND_HOST=0.0.0.0 it is reached from outside, but /metrics only from loopback or with WT_METRICS_TOKEN", async () => {
    const service = start({ WT_BIND_HOST: "0.0.0.0", WT_METRICS_TOKEN: "scrape-token-for-this-test" })
    try {
      const listening = await service.waitFor("http listening")
      expect(listening.host).toBe("0.0.0.0")
      const outside = `http://${externalAddress}:${portOf(listening.url as string)}`
      expect(await probe(`${outside}/healthz`)).toBe(200)
      expect(await probe(`${outside}/readyz`)).toBe(200)
      expect(await probe(`${outside}/metrics`)).toBe(403)
      expect(await probe(`${outside}/metrics`, { authorization: "Bearer wrong-token" })).toBe(403)
      expect(await probe(`${outside}/metrics`, { authorization: "Bearer scrape-token-for-this-test" })).toBe(200)
      const local = listening.url as string
      expect(await probe(`${local}/metrics`)).toBe(200)
      // A reverse proxy on this machine relays outside clients from loopback: not a local scrape.
      expect(await probe(`${local}/metrics`, { "x-forwarded-for": "203.0.113.9" })).toBe(403)
      expect(await probe(`${local}/metrics`, { forwarded: "for=203.0.113.9" })).toBe(403)
    } finally {
      service.child.kill("SIGTERM")
      await service.exited
    }
  })

  it("WT_METRICS=off answers /metrics to nobody, WT_METRICS=open to anyone", async () => {
    const off = start({ WT_METRICS: "off", WT_METRICS_TOKEN: "scrape-token-for-this-test" })
    const open = start({ WT_METRICS: "open", WT_BIND_HOST: "0.0.0.0" })
    try {
      const offUrl = (await off.waitFor("http listening")).url as string
      expect(await probe(`${offUrl}/metrics`)).toBe(404)
      expect(await probe(`${offUrl}/metrics`, { authorization: "Bearer scrape-token-for-this-test" })).toBe(404)
      expect(await probe(`${offUrl}/healthz`)).toBe(200)
      const openPort = portOf((await open.waitFor("http listening")).url as string)
      expect(await probe(`http://${externalAddress}:${openPort}/metrics`)).toBe(200)
    } finally {
      off.child.kill("SIGTERM")
      open.child.kill("SIGTERM")
      await Promise.all([off.exited, open.exited])
    }
  })

  it("a WT_METRICS that is not one of the settings stops the service with a clear reason", async () => {
    const service = start({ WT_METRICS: "public" })
    expect(await service.exited).toBe(1)
    expect(JSON.stringify(service.records.find((r) => r.msg === "service failed"))).toContain("WT_METRICS")
  })
})
