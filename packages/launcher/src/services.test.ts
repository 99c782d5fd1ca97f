import { describe, expect, it } from "vitest"
import { bundleSpecOf, copyEnvOf, nicenessOf, nodeFlagsOf, processEnv, ServiceNames, sourceEntryOf } from "./services.ts"
import { copiesOf } from "./system.ts"

describe("the triage and supervision processes of pnpm start", () => {
  it("split the lanes: the alarm lane alone, the tech and telemetry lanes, and none in supervision, which runs absence supervision and escalation", () => {
    const triage = processEnv("triage", 1)
    const bulk = processEnv("triage-bulk", 2)
    const supervision = processEnv("supervision", 3)
    expect([triage["WT_TRIAGE_LANES"], bulk["WT_TRIAGE_LANES"], supervision["WT_TRIAGE_LANES"]]).toEqual(["alarm", "tech,telemetry", undefined])
    // Exactly one of them supervises: the supervision service, with escalation beside it, never on the alarm lane's event loop.
    expect((["triage", "triage-bulk", "supervision"] as const).map((n) => bundleSpecOf(n).serviceDir.replace(/.*\/services\//u, "")))
      .toEqual(["triage", "triage", "supervision"])
    expect(sourceEntryOf("supervision")).toMatch(/services\/supervision\/src\/main\.ts$/u)
    // Each listens on its own port under the variable its program reads.
    expect([triage, bulk].map((env) => env["WT_TRIAGE_PORT"])).toEqual(["1", "2"])
    expect([supervision["WT_SUPERVISION_PORT"], supervision["WT_TRIAGE_PORT"]]).toEqual(["3", undefined])
    expect(ServiceNames).toContain("supervision")
  })
})

describe("niceness", () => {
  it("lets bulk work yield the CPU to the care-alarm path, by WT_BULK_NICE (0 turns it off)", () => {
    expect(ServiceNames.filter((n) => nicenessOf(n, {}) > 0)).toEqual(["triage-bulk", "supervision", "audit"])
    expect(nicenessOf("triage", {})).toBe(0)
    expect(nicenessOf("gateway", { WT_BULK_NICE: "10" })).toBe(0)
    expect(nicenessOf("audit", { WT_BULK_NICE: "10" })).toBe(10)
    expect(nicenessOf("audit", { WT_BULK_NICE: "0" })).toBe(0)
    expect(nicenessOf("audit", {})).toBe(12)
    expect(nicenessOf("audit", { WT_BULK_NICE: "-5" })).toBe(12)
  })
})

describe("heap caps", () => {
  it("cap every service's old generation at 160 MB and supervision's at 136 MB, unless WT_SERVICE_HEAP_MB says otherwise", () => {
    expect(nodeFlagsOf("audit", {})).toContain("--max-old-space-size=160")
    expect(nodeFlagsOf("supervision", {})).toContain("--max-old-space-size=136")
    expect(nodeFlagsOf("supervision", { WT_SERVICE_HEAP_MB: "200" })).toContain("--max-old-space-size=200")
    expect(nodeFlagsOf("audit", { WT_SERVICE_HEAP_MB: "0" })).toEqual([])
  })

  it("size the young generation's semi-space at 8 MB and the gateway's at 16 MB, unless WT_SERVICE_SEMI_SPACE_MB says otherwise (0: V8's own)", () => {
    expect(nodeFlagsOf("audit", {})).toContain("--max-semi-space-size=8")
    expect(nodeFlagsOf("gateway", {})).toContain("--max-semi-space-size=16")
    expect(nodeFlagsOf("gateway", { WT_SERVICE_SEMI_SPACE_MB: "32" })).toContain("--max-semi-space-size=32")
    expect(nodeFlagsOf("audit", { WT_SERVICE_SEMI_SPACE_MB: "8" })).toContain("--max-semi-space-size=8")
    expect(nodeFlagsOf("gateway", { WT_SERVICE_SEMI_SPACE_MB: "0" })).toEqual(["--max-old-space-size=160"])
  })
})

describe("copies of a service", () => {
  it("one copy of audit seals, the others only write entries; every other service's copies are alike", () => {
    expect(copyEnvOf("audit", 1)).toEqual({})
    expect(copyEnvOf("audit", 2)).toEqual({ WT_AUDIT_SEALING: "false" })
    expect(copyEnvOf("audit", 3)).toEqual({ WT_AUDIT_SEALING: "false" })
    expect(ServiceNames.filter((n) => n !== "audit").map((n) => copyEnvOf(n, 2))).toEqual(ServiceNames.filter((n) => n !== "audit").map(() => ({})))
  })

  it("are counted from one number or per service, one by default and for anything that is not a positive whole number", () => {
    expect(copiesOf(2, "triage")).toBe(2)
    expect(copiesOf({ triage: 3 }, "triage")).toBe(3)
    expect(copiesOf({ triage: 3 }, "audit")).toBe(1)
    expect(copiesOf(undefined, "gateway")).toBe(1)
    expect([0, -1, 1.5, Number.NaN].map((n) => copiesOf(n, "gateway"))).toEqual([1, 1, 1, 1])
  })
})
