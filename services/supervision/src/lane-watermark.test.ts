import { describe, expect, it } from "@effect/vitest"
import { LaneProgress, WatermarkHistory } from "./lane-watermark.ts"

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

describe("a lane's progress, from what the consumer hands over", () => {
  it("knows nothing before the first message or a caught-up answer from the server", () => {
    const lane = new LaneProgress()
    expect(lane.through(10_000)).toBeUndefined()
    lane.caughtUp()
    expect(lane.through(10_000)).toBe(10_000)
  })

  it("while the server reports more to deliver, is through no later than the last message delivered", () => {
    const lane = new LaneProgress()
    lane.started(1, 5_000, 2)
    lane.finished(1, true, 9_000)
    expect(lane.through(10_000)).toBe(5_000)
    lane.started(3, 6_000, 0)
    lane.started(2, 5_500, 1)
    // The oldest message in hand holds it back until it is done.
    expect(lane.through(10_000)).toBe(5_500)
    lane.finished(2, true, 10_000)
    expect(lane.through(10_000)).toBe(6_000)
    lane.finished(3, true, 10_000)
    // Nothing left to deliver, nothing in hand: handled up to now.
    expect(lane.through(11_000)).toBe(11_000)
  })

  it("holds back for a message whose handling failed until it comes back or the retry horizon passes", () => {
    const lane = new LaneProgress()
    lane.started(7, 4_000, 0)
    lane.finished(7, false, 5_000)
    expect(lane.through(6_000)).toBe(4_000)
    // Redelivered here and handled.
    lane.started(7, 4_000, 0)
    lane.finished(7, true, 7_000)
    expect(lane.through(8_000)).toBe(8_000)
    // Failed again, then redelivered elsewhere: after the horizon it no longer holds back.
    lane.started(8, 9_000, 0)
    lane.finished(8, false, 9_500)
    expect(lane.through(20_000)).toBe(9_000)
    expect(lane.through(9_500 + 60_000)).toBe(9_500 + 60_000)
  })
})
