import { accessSync, constants } from "node:fs"
import { afterEach, describe, expect, it } from "vitest"
import { fetchedNatsServer, findClusterNatsServer, findNatsServer, natsServerVersion, olderThanClusterMinimum } from "./embedded.ts"

const variables = ["NATS_CLUSTER_SERVER_BIN", "NATS_SERVER_BIN"] as const
const saved = variables.map((name) => [name, process.env[name]] as const)
afterEach(() => {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
})

const isFetched = (() => {
  try {
    accessSync(fetchedNatsServer, constants.X_OK)
    return true
  } catch {
    return false
  }
})()

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
    expect(binary, "a nats-server: fetched, or on PATH").toBeDefined()
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

  it("a single node runs on NATS_SERVER_BIN, else on the fetched server where it is, else on PATH's", () => {
    delete process.env["NATS_CLUSTER_SERVER_BIN"]
    process.env["NATS_SERVER_BIN"] = "/bin/true"
    expect(findNatsServer()).toBe("/bin/true")
    expect(findClusterNatsServer(), "a cluster without a binary of its own runs on the single node's").toBe("/bin/true")
    delete process.env["NATS_SERVER_BIN"]
    const found = findNatsServer()
    if (isFetched) expect(found).toBe(fetchedNatsServer)
    else expect(found).toMatch(/\/nats-server$/)
  })
})
