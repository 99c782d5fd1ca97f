import { describe, expect, it } from "@effect/vitest"
import { Result } from "effect"
import * as fc from "fast-check"
import { decodeDeviceFrame, type DeviceFrame, encodeDeviceFrame, type FramedEvent } from "./device-frame.ts"
import { FrameGatherer } from "./frame-gatherer.ts"

const enc = (text: string) => new TextEncoder().encode(text)

/** Events at increasing sequences from `from`, with gaps (other lanes' messages) between them. */
const Events = (from: number) =>
  fc.array(
    fc.record({
      gap: fc.integer({ min: 0, max: 5 }),
      storedAtMs: fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 }),
      tenant: fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/),
      device: fc.stringMatching(/^[A-Za-z0-9_-]{1,24}$/),
      data: fc.uint8Array({ maxLength: 300 })
    }),
    { maxLength: 60 }
  ).map((drawn) => {
    let seq = from - 1
    return drawn.map(({ gap, storedAtMs, tenant, device, data }): FramedEvent => {
      seq += gap + 1
      return { seq, storedAtMs, subject: `wt.dev.${tenant}.tech.technical.${device}`, data }
    })
  })

const framesOf = (from: number, events: ReadonlyArray<FramedEvent>, limits: { maxEvents: number; maxBytes: number }) => {
  const gatherer = new FrameGatherer(from, { ...limits, maxWaitMs: 20 })
  const frames: Array<DeviceFrame> = []
  for (const event of events) {
    const closed = gatherer.add(event)
    if (closed !== undefined) frames.push(closed)
  }
  const last = gatherer.close()
  if (last !== undefined) frames.push(last)
  return frames
}

describe("device frames", () => {
  it("a frame decodes to what was encoded: its range and each event's sequence, time, subject and bytes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 40 }), (from) =>
        fc.assert(fc.property(Events(from).filter((events) => events.length > 0), (events) => {
          const frame: DeviceFrame = { from, to: events.at(-1)!.seq, events }
          const decoded = decodeDeviceFrame(encodeDeviceFrame(frame))
          expect(Result.isSuccess(decoded)).toBe(true)
          if (Result.isFailure(decoded)) return
          expect(decoded.success.from).toBe(frame.from)
          expect(decoded.success.to).toBe(frame.to)
          expect(decoded.success.events.map((e) => ({ ...e, data: [...e.data] }))).toEqual(events.map((e) => ({ ...e, data: [...e.data] })))
        }), { numRuns: 5 })),
      { numRuns: 40 }
    )
  })

  it("gathered frames cover every event once, in order, each starting after the last one's end, within their limits", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 200, max: 4_000 }),
        (from, maxEvents, maxBytes) =>
          fc.assert(fc.property(Events(from), (events) => {
            const frames = framesOf(from, events, { maxEvents, maxBytes })
            expect(frames.flatMap((f) => f.events)).toEqual(events)
            frames.forEach((frame, i) => {
              expect(frame.events.length).toBeGreaterThan(0)
              expect(frame.events.length).toBeLessThanOrEqual(maxEvents)
              expect(frame.from).toBe(i === 0 ? from : frames[i - 1]!.to + 1)
              expect(frame.to).toBe(frame.events.at(-1)!.seq)
              // Over its size only when one event alone is.
              if (frame.events.length > 1) expect(encodeDeviceFrame(frame).length).toBeLessThanOrEqual(maxBytes)
            })
          }), { numRuns: 5 })
      ),
      { numRuns: 40 }
    )
  })

  it("bytes that are no frame are refused with the reason, never read past their end", () => {
    const frame = encodeDeviceFrame({ from: 10, to: 12, events: [
      { seq: 10, storedAtMs: 1, subject: "wt.dev.demo.tech.technical.a", data: enc(`{"a":1}`) },
      { seq: 12, storedAtMs: 2, subject: "wt.dev.demo.tech.technical.b", data: enc(`{"b":2}`) }
    ] })
    const reason = (bytes: Uint8Array) => {
      const decoded = decodeDeviceFrame(bytes)
      return Result.isFailure(decoded) ? `${decoded.failure.kind}: ${decoded.failure.message}` : "decoded"
    }
    expect(reason(frame)).toBe("decoded")
    expect(reason(enc(`{"from":10,"to":12,"events":[]}`))).toMatch(/^invalid_frame: invalid device frame: version 123, expected 1/)
    expect(reason(frame.subarray(0, 5))).toMatch(/shorter than a frame's head/)
    expect(reason(frame.subarray(0, frame.length - 1))).toMatch(/event 1's data runs past the end/)
    expect(reason(new Uint8Array([...frame, 0]))).toMatch(/1 bytes after its 2 events/)
    // The second event's sequence, after the head, the first event's fixed fields, subject and data.
    const reordered = new Uint8Array(frame)
    new DataView(reordered.buffer).setFloat64(21 + 22 + "wt.dev.demo.tech.technical.a".length + 7, 10, true)
    expect(reason(reordered)).toMatch(/event 1 at sequence 10 after 10, in 10–12/)
    const outside = new Uint8Array(frame)
    new DataView(outside.buffer).setFloat64(9, 11, true)
    expect(reason(outside)).toMatch(/event 1 at sequence 12 after 10, in 10–11/)
  })

  it("arbitrary bytes decode to a frame or to a reason, and never throw", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      const decoded = decodeDeviceFrame(bytes)
      if (Result.isFailure(decoded)) expect(decoded.failure.kind).toBe("invalid_frame")
    }), { numRuns: 2_000 })
  })
})
