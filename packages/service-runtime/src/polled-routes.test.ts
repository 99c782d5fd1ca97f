import { spawn } from "node:child_process"
import { once } from "node:events"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const fixture = fileURLToPath(new URL("./polled-routes.fixture.ts", import.meta.url))

// pino's levels
const Debug = 20
const Info = 30

/** The fixture service at LOG_LEVEL `level`, its JSON log records collected. */
const start = async (level: string) => {
  const { WT_BIND_HOST: _host, WT_METRICS: _metrics, WT_METRICS_TOKEN: _token, ...inherited } = process.env
  const child = spawn(process.execPath, [fixture], { env: { ...inherited, LOG_LEVEL: level, LOG_FORMAT: "json" }, stdio: ["ignore", "pipe", "inherit"] })
  const records: Array<Record<string, unknown>> = []
  createInterface({ input: child.stdout }).on("line", (line) => records.push(JSON.parse(line) as Record<string, unknown>))
  const deadline = Date.now() + 20_000
  while (!records.some((r) => r.msg === "service started")) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the fixture did not start: ${JSON.stringify(records)}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const url = records.find((r) => r.msg === "http listening")!.url as string
  const stop = async () => {
    const closed = once(child, "close")
    child.kill("SIGTERM")
    await closed
  }
  return { url, records, stop }
}

/** The access-log records of `method path`. */
const accessLines = (records: ReadonlyArray<Record<string, unknown>>, method: string, path: string) =>
  records.filter((r) => r.msg === "Sent HTTP response" && r["http.method"] === method && r["http.url"] === path)

describe("access logs of a running service", () => {
  it("log a polled route's answers at debug, its refusals and every other request at info, the probes not at all", async () => {
    const service = await start("debug")
    try {
      for (let i = 0; i < 5; i++) expect((await fetch(`${service.url}/v1/offers`, { headers: { authorization: "Bearer phone" } })).status).toBe(200)
      expect((await fetch(`${service.url}/v1/offers`)).status).toBe(401)
      expect((await fetch(`${service.url}/v1/accept`, { method: "POST" })).status).toBe(200)
      for (const probe of ["/healthz", "/readyz", "/metrics"]) await fetch(`${service.url}${probe}`)
    } finally {
      await service.stop()
    }
    const polls = accessLines(service.records, "GET", "/v1/offers")
    expect(polls.filter((r) => r["http.status"] === 200).map((r) => r.level)).toEqual([Debug, Debug, Debug, Debug, Debug])
    expect(polls.filter((r) => r["http.status"] === 401).map((r) => r.level)).toEqual([Info])
    expect(accessLines(service.records, "POST", "/v1/accept").map((r) => r.level)).toEqual([Info])
    for (const probe of ["/healthz", "/readyz", "/metrics"]) expect(accessLines(service.records, "GET", probe)).toEqual([])
  }, 60_000)

  it("at info (the default), a hundred polls write nothing while a refused poll and an action are still there", async () => {
    const service = await start("info")
    try {
      for (let i = 0; i < 100; i++) await fetch(`${service.url}/v1/offers`, { headers: { authorization: "Bearer phone" } })
      await fetch(`${service.url}/v1/offers`)
      await fetch(`${service.url}/v1/accept`, { method: "POST" })
    } finally {
      await service.stop()
    }
    const access = service.records.filter((r) => r.msg === "Sent HTTP response")
    expect(access.map((r) => [r["http.method"], r["http.url"], r["http.status"]])).toEqual([["GET", "/v1/offers", 401], ["POST", "/v1/accept", 200]])
  }, 60_000)
})
