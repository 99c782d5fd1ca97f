import { describe, expect, it } from "vitest"
import { processEnv, ServiceNames } from "./services.ts"

describe("the triage processes of pnpm start", () => {
  it("split the lanes: the alarm lane alone, the tech and telemetry lanes, and none beside absence supervision", () => {
    const triage = processEnv("triage", 1)
    const bulk = processEnv("triage-bulk", 2)
    const supervision = processEnv("supervision", 3)
    expect([triage["WT_TRIAGE_LANES"], bulk["WT_TRIAGE_LANES"], supervision["WT_TRIAGE_LANES"]]).toEqual(["alarm", "tech,telemetry", "none"])
    // Exactly one of them supervises, and each listens on its own port under the variable the triage program reads.
    expect([triage, bulk, supervision].map((env) => env["WT_TRIAGE_SUPERVISION"])).toEqual(["off", "off", "on"])
    expect([triage, bulk, supervision].map((env) => env["WT_TRIAGE_PORT"])).toEqual(["1", "2", "3"])
    expect(ServiceNames).toContain("supervision")
  })
})
