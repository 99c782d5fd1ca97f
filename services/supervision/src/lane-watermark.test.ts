import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { LaneProgress, WatermarkHistory } from "./lane-watermark.ts"

describe("watermark history", () => {
  it("answers the watermark as it stood at an earlier moment, and nothing before the first sample", () => {
    const history = new WatermarkHistory(0)
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

  it("says how long it has judged nothing when it has no watermark: since the last it had, or since it started", () => {
    const history = new WatermarkHistory(1_700_000_000_000)
    expect(history.behindMs(1_700_000_004_000, 0)).toBe(4_000)
    expect(history.behindMs(1_700_000_010_000, 1_700_000_009_500)).toBe(500)
    // The lane's reader was lost: nothing is judged past the last watermark, and the gauge grows from it.
    expect(history.behindMs(1_700_000_030_000, 0)).toBe(20_500)
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

  it("a frames reader with nothing left to read is through its last event's time, not now, until a writer's mark within what it read says more", () => {
    const lane = new LaneProgress({ framed: true })
    lane.startsAt(40)
    expect(lane.through(10_000)).toBeUndefined()
    lane.caughtUp()
    // Nothing read and no mark: nothing may be judged.
    expect(lane.through(10_000)).toBe(0)
    // A mark through the start's eve: every event stored before 8,000 was read (there were none).
    lane.framedThrough({ seq: 39, atMs: 8_000 })
    expect(lane.through(10_000)).toBe(8_000)
    lane.handled(41, 8_500, 0)
    expect(lane.through(10_000)).toBe(8_500)
    // A mark beyond what was read counts only once its frame has come.
    lane.framedThrough({ seq: 45, atMs: 9_500 })
    expect(lane.through(10_000)).toBe(8_500)
    // An older mark within what was read is kept meanwhile, but not above the reader's own.
    lane.framedThrough({ seq: 41, atMs: 8_700 })
    expect(lane.through(10_000)).toBe(8_700)
    lane.handled(45, 9_000, 0)
    expect(lane.through(10_000)).toBe(9_500)
    // Never past now, never held back by an older mark, and held back by an event in hand.
    lane.framedThrough({ seq: 45, atMs: 9_400 })
    expect(lane.through(9_450)).toBe(9_450)
    lane.started(46, 9_200, 0)
    expect(lane.through(10_000)).toBe(9_200)
    lane.finished(46, true, 10_000)
    expect(lane.through(10_000)).toBe(9_500)
    // A lost session knows nothing until it hears anew.
    lane.lost()
    expect(lane.through(10_000)).toBeUndefined()
  })

  it("a true mark never lets the watch past an event still unread, whatever the order of reads and marks (property)", () => {
    // Events 1..20, event k stored at 1,000 k. A writer's mark through k at (k + 1) * 1,000 - 1 is
    // true: every event stored before then is at or before k. Steps: read the next event, or hear
    // a mark through some event up to a few past the last one read.
    const step = fc.oneof(fc.constant({ read: true, ahead: 0 }), fc.record({ read: fc.constant(false), ahead: fc.integer({ min: 0, max: 4 }) }))
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
        const n = 20
        const lane = new LaneProgress({ framed: true })
        lane.startsAt(1)
        lane.caughtUp()
        let read = 0
        for (const { read: reads, ahead } of steps) {
          if (reads && read < n) {
            read++
            lane.handled(read, read * 1_000, n - read)
          } else if (!reads) {
            const through = Math.min(n, read + ahead)
            lane.framedThrough({ seq: through, atMs: (through + 1) * 1_000 - 1 })
          }
          const firstUnread = read < n ? (read + 1) * 1_000 : Number.POSITIVE_INFINITY
          expect(lane.through(1_000_000)!).toBeLessThan(firstUnread)
        }
      })
    )
  })
})
