import { describe, expect, it } from "@effect/vitest"
import { WatermarkHistory } from "./lane-watermark.ts"

describe("watermark history", () => {
  it("answers the watermark as it stood at an earlier moment, and nothing before the first sample", () => {
    const history = new WatermarkHistory()
    expect(history.asOf(1_000)).toBe(0)
    history.record(1_000, 900)
    history.record(2_000, 1_950)
    history.record(3_000, 2_990)
    expect(history.asOf(999)).toBe(0)
    expect(history.asOf(2_500)).toBe(1_950)
    expect(history.asOf(3_000)).toBe(2_990)
    // Samples older than the one last used are dropped; later questions still get the right answer.
    expect(history.asOf(3_500)).toBe(2_990)
  })
})
