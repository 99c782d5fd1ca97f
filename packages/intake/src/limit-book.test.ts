import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import type { Lane } from "@wt/contracts"
import { type Admission, type LaneRates, LimitBook, type RatesFor } from "./limit-book.ts"

const small: LaneRates = { alarm: { perSecond: 2, burst: 5 }, tech: { perSecond: 1, burst: 3 }, telemetry: { perSecond: 1, burst: 3 } }
const rates = (device: LaneRates, sender: LaneRates = device): RatesFor => ({ device: () => device, sender: () => sender })
const event = (deviceId: string, lane: Lane, sender?: string): Admission => ({ tenant: "demo", deviceId, lane, ...(sender === undefined ? {} : { sender }) })

const lane = fc.constantFrom<Lane>("alarm", "tech", "telemetry")
// Mostly no time between requests, so budgets run dry and refusals are common.
const request = fc.record({
  gapMs: fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.integer({ min: 0, max: 2_000 }), weight: 1 }),
  events: fc.array(fc.record({ device: fc.constantFrom("d1", "d2", "d3"), lane, sender: fc.constantFrom("key:a", "key:b", undefined) }), { minLength: 1, maxLength: 4 })
})
const toAdmissions = (events: ReadonlyArray<{ device: string; lane: Lane; sender: string | undefined }>) => events.map((e) => event(e.device, e.lane, e.sender))

describe("rate limits per device and sender, lane by lane", () => {
  it("a device that spent its heartbeats' and positions' budgets still gets its pendant alarm in", () => {
    const book = new LimitBook(rates(small))
    let limited = 0
    for (let i = 0; i < 1_000; i++) {
      if (book.admit([event("alarm-1", i % 2 === 0 ? "tech" : "telemetry", "key:a")], 1_000)._tag === "Limited") limited++
    }
    expect(limited).toBe(1_000 - 6)
    expect(book.admit([event("alarm-1", "alarm", "key:a")], 1_000)).toEqual({ _tag: "Admitted" })
  })

  it("a sender over its telemetry budget keeps its alarm lane; another device's alarm still gets in", () => {
    const book = new LimitBook(rates({ ...small, telemetry: { perSecond: 100, burst: 1_000 } }, small))
    for (let i = 0; i < 10; i++) book.admit([event(`gps-${i}`, "telemetry", "key:a")], 0)
    const over = book.admit([event("gps-99", "telemetry", "key:a")], 0)
    expect(over).toMatchObject({ _tag: "Limited", scope: "sender", lane: "telemetry", subject: "key:a" })
    expect(book.admit([event("alarm-7", "alarm", "key:a")], 0)._tag).toBe("Admitted")
  })

  it("names the device, not its sender, when the device is the one over", () => {
    const book = new LimitBook(rates(small, { ...small, telemetry: { perSecond: 1_000, burst: 1_000 } }))
    for (let i = 0; i < 3; i++) book.admit([event("gps-1", "telemetry", "key:a")], 0)
    expect(book.admit([event("gps-1", "telemetry", "key:a")], 0)).toMatchObject({ _tag: "Limited", scope: "device", subject: "demo/gps-1", retryAfterMs: 1_000 })
    expect(book.admit([event("gps-2", "telemetry", "key:a")], 0)._tag).toBe("Admitted")
  })

  it("whatever was sent before, no amount of tech or telemetry ever decides an alarm's verdict", () => {
    fc.assert(
      fc.property(fc.array(request, { maxLength: 60 }), fc.array(fc.record({ gapMs: fc.integer({ min: 0, max: 2_000 }), device: fc.constantFrom("d1", "d2", "d3"), sender: fc.constantFrom("key:a", "key:b", undefined) }), { maxLength: 60 }), (mixed, alarms) => {
        // The same alarms, alone and interleaved with any amount of other lanes' traffic.
        const alone = new LimitBook(rates(small))
        const busy = new LimitBook(rates(small))
        let now = 0
        for (let i = 0; i < Math.max(mixed.length, alarms.length); i++) {
          const other = mixed[i]
          if (other !== undefined) {
            now += other.gapMs
            busy.admit(toAdmissions(other.events.filter((e) => e.lane !== "alarm")), now)
          }
          const alarm = alarms[i]
          if (alarm !== undefined) {
            now += alarm.gapMs
            const a = event(alarm.device, "alarm", alarm.sender)
            expect(busy.admit([a], now)._tag).toBe(alone.admit([a], now)._tag)
          }
        }
      })
    )
  })

  it("a refused request spends nothing: the book then answers as if it had never been asked", () => {
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 40 }), (requests) => {
        const times: Array<number> = []
        let now = 0
        for (const r of requests) times.push((now += r.gapMs))
        for (let i = 1; i < requests.length; i++) {
          // Every request before i, and only the admitted ones among them: the next verdict must agree.
          const all = new LimitBook(rates(small))
          const admittedOnly = new LimitBook(rates(small))
          for (let j = 0; j < i; j++) {
            if (all.admit(toAdmissions(requests[j]!.events), times[j]!)._tag === "Admitted") admittedOnly.admit(toAdmissions(requests[j]!.events), times[j]!)
          }
          const next = toAdmissions(requests[i]!.events)
          expect(all.admit(next, times[i]!)._tag).toBe(admittedOnly.admit(next, times[i]!)._tag)
        }
      })
    )
  })

  it("forgetting full budgets changes no verdict", () => {
    fc.assert(
      fc.property(fc.array(request, { maxLength: 80 }), (requests) => {
        const kept = new LimitBook(rates(small))
        const swept = new LimitBook(rates(small))
        let now = 0
        for (const r of requests) {
          now += r.gapMs
          swept.sweep(now)
          expect(swept.admit(toAdmissions(r.events), now)._tag).toBe(kept.admit(toAdmissions(r.events), now)._tag)
        }
      })
    )
  })

  it("one event let in on its own gets the verdict, and leaves the budgets, that a set of just it would", () => {
    fc.assert(
      fc.property(fc.array(request, { maxLength: 80 }), (requests) => {
        const asSets = new LimitBook(rates(small))
        const oneByOne = new LimitBook(rates(small))
        let now = 0
        for (const r of requests) {
          now += r.gapMs
          for (const admission of toAdmissions(r.events)) expect(oneByOne.admitOne(admission, now)).toEqual(asSets.admit([admission], now))
        }
        expect(oneByOne.size).toBe(asSets.size)
      })
    )
  })

  it("sweeps the budgets of devices that fell quiet", () => {
    const book = new LimitBook(rates(small))
    for (let i = 0; i < 60_000; i++) book.admit([event(`d${i}`, "tech")], i < 50_000 ? 0 : 10_000)
    // The first 50,000 refilled (3 in 3 s) long before 10 s: swept when the book passed 50,000.
    expect(book.size).toBeLessThan(20_000)
  })
})
