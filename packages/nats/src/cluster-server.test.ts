import { afterEach, describe, expect, it } from "vitest"
import { findClusterNatsServer, findNatsServer, natsServerVersion, olderThanClusterMinimum } from "./embedded.ts"

const saved = process.env["NATS_CLUSTER_SERVER_BIN"]
afterEach(() => {
  if (saved === undefined) delete process.env["NATS_CLUSTER_SERVER_BIN"]
  else process.env["NATS_CLUSTER_SERVER_BIN"] = saved
})

describe("the nats-server a local cluster runs on", () => {
  it("2.9.x is older than a cluster wants; 2.10 and later are not", () => {
    expect(olderThanClusterMinimum({ major: 2, minor: 9 })).toBe(true)
    expect(olderThanClusterMinimum({ major: 1, minor: 99 })).toBe(true)
    expect(olderThanClusterMinimum({ major: 2, minor: 10 })).toBe(false)
    expect(olderThanClusterMinimum({ major: 2, minor: 11 })).toBe(false)
    expect(olderThanClusterMinimum({ major: 3, minor: 0 })).toBe(false)
  })

  it("reads a binary's version from nats-server --version, and nothing from a program that does not say one", () => {
    const binary = findNatsServer()
    expect(binary, "nats-server on PATH (the machine's single node)").toBeDefined()
    const version = natsServerVersion(binary!)
    expect(version?.text).toMatch(/^nats-server: v\d+\.\d+\.\d+/)
    expect(version!.major).toBeGreaterThanOrEqual(2)
    expect(natsServerVersion("/bin/true")).toBeUndefined()
    expect(natsServerVersion("/nonexistent/nats-server")).toBeUndefined()
  })

  it("NATS_CLUSTER_SERVER_BIN comes first; one that is not executable is passed over", () => {
    process.env["NATS_CLUSTER_SERVER_BIN"] = "/bin/true"
    expect(findClusterNatsServer()).toBe("/bin/true")
    process.env["NATS_CLUSTER_SERVER_BIN"] = "/nonexistent/nats-server"
    expect(findClusterNatsServer()).not.toBe("/nonexistent/nats-server")
    expect(findClusterNatsServer()).toBeDefined()
  })
})
