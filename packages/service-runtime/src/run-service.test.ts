import { describe, expect, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { once } from "node:events"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"

const fixture = fileURLToPath(new URL("./run-service.fixture.ts", import.meta.url))

/** Starts the fixture service; collects its stdout as parsed JSON log records. */
const start = (env: Record<string, string> = {}) => {
  const child = spawn(process.execPath, [fixture], {
    env: { ...process.env, LOG_LEVEL: "info", ...env },
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
