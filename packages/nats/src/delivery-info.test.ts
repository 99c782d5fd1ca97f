import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { deliveryInfoOf } from "./delivery-info.ts"

const name = fc.stringMatching(/^[A-Za-z0-9_-]{1,24}$/)
const count = fc.integer({ min: 0, max: 2 ** 40 })
// Nanoseconds since the epoch, as the server writes them (beyond 2^53, as today's are).
const storedNs = fc.bigInt({ min: 1_000_000_000_000_000_000n, max: 4_000_000_000_000_000_000n })

describe("deliveryInfoOf (a JetStream delivery's reply subject)", () => {
  it("reads both forms as the client's parse does: delivered, stream seq, consumer seq, stored at, pending", () => {
    fc.assert(
      fc.property(
        fc.record({
          domain: fc.option(fc.tuple(name, name, fc.option(name, { nil: undefined })), { nil: undefined }),
          stream: name,
          consumer: name,
          deliveries: fc.integer({ min: 1, max: 10_000 }),
          streamSeq: count,
          consumerSeq: count,
          storedNs,
          pending: count
        }),
        (d) => {
          const head = d.domain === undefined ? "$JS.ACK" : `$JS.ACK.${d.domain[0]}.${d.domain[1]}`
          const tail = d.domain?.[2] === undefined ? "" : `.${d.domain[2]}`
          const reply = `${head}.${d.stream}.${d.consumer}.${d.deliveries}.${d.streamSeq}.${d.consumerSeq}.${d.storedNs}.${d.pending}${tail}`
          const info = deliveryInfoOf(reply)
          expect(info).toBeDefined()
          expect(info?.deliveries).toBe(d.deliveries)
          expect(info?.streamSeq).toBe(d.streamSeq)
          expect(info?.consumerSeq).toBe(d.consumerSeq)
          expect(info?.pending).toBe(d.pending)
          // As the client's parseInt of the nanoseconds, divided: both round beyond 2^53 (within 5 µs here).
          expect(info?.storedAtMs).toBeCloseTo(Number.parseInt(String(d.storedNs), 10) / 1e6, 2)
        }
      ),
      { numRuns: 500 }
    )
  })

  it("answers nothing for subjects of neither form, or with a token that is not a number where one is due", () => {
    for (
      const reply of [
        "",
        "_INBOX.abc.1",
        "$JS.ACK.S.C.1.2.3.4",
        "$JS.ACK.S.C.1.2.3.4.5.6",
        "$JS.NAK.S.C.1.2.3.4.5",
        "$JS.ACK.S.C.x.2.3.4.5",
        "$JS.ACK.S.C.1..3.4.5",
        "$JS.ACK.S.C.1.2.3.4.-5",
        "$JS.ACK.a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q"
      ]
    ) expect(deliveryInfoOf(reply), reply).toBeUndefined()
    expect(deliveryInfoOf("$JS.ACK.S.C.3.20.7.1700000000000000000.9")).toEqual({ deliveries: 3, streamSeq: 20, consumerSeq: 7, storedAtMs: 1700000000000, pending: 9 })
  })
})
