import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { LookAgenda } from "./look-agenda.ts"

const all = (agenda: LookAgenda, throughMs: number) => [...agenda.due(throughMs)].sort()

describe("the agenda of when to look at each device", () => {
  it("gives a key once its time is reached, and not before", () => {
    const agenda = new LookAgenda(1000)
    agenda.lookAt("a", 10_500)
    agenda.lookAt("b", 12_000)
    expect(all(agenda, 9_999)).toEqual([])
    expect(all(agenda, 10_000)).toEqual(["a"])
    expect(all(agenda, 11_999)).toEqual([])
    expect(all(agenda, 20_000)).toEqual(["b"])
    expect(agenda.size).toBe(0)
  })

  it("keeps only a key's last time", () => {
    const agenda = new LookAgenda(1000)
    agenda.lookAt("a", 5_000)
    agenda.lookAt("a", 60_000)
    expect(all(agenda, 30_000)).toEqual([])
    expect(all(agenda, 60_000)).toEqual(["a"])
  })

  it("looks at a key put on for a time already passed at the next look", () => {
    const agenda = new LookAgenda(1000)
    expect(all(agenda, 50_000)).toEqual([])
    agenda.lookAt("late", 1_000)
    agenda.lookNextUnlessListed("new")
    expect(all(agenda, 50_000)).toEqual(["late", "new"])
  })

  it("does not move a listed key to the next look when asked unless listed", () => {
    const agenda = new LookAgenda(1000)
    agenda.lookAt("a", 90_000)
    agenda.lookNextUnlessListed("a")
    expect(all(agenda, 50_000)).toEqual([])
    expect(all(agenda, 90_000)).toEqual(["a"])
  })

  it("keeps a key put back during a look for a later look, and what a stopped look did not reach", () => {
    const agenda = new LookAgenda(1000)
    for (const key of ["a", "b", "c"]) agenda.lookAt(key, 1_000)
    const look = agenda.due(5_000)
    const first = look.next().value!
    agenda.lookAt(first, 0)
    look.return(undefined)
    expect(agenda.size).toBe(3)
    expect(all(agenda, 5_000)).toEqual(["a", "b", "c"])
  })

  /**
   * The absence watch with the agenda finds, at every look, exactly what a look at every device
   * finds: silent past its deadline before `through`, not yet raised. Signs of life move deadlines
   * later, a raised silence waits for a sign, new devices arrive, and `through` may step back.
   */
  it("finds at every look what a look at every device finds", () => {
    type Device = { lastSeenMs: number; raisedForMs: number | undefined; intervalMs: number }
    const step = fc.record({
      advanceMs: fc.integer({ min: 0, max: 20_000 }),
      throughLagMs: fc.integer({ min: 0, max: 8_000 }),
      signs: fc.array(fc.record({ device: fc.integer({ min: 0, max: 29 }), lagMs: fc.integer({ min: 0, max: 30_000 }) }), { maxLength: 8 }),
      newDevices: fc.integer({ min: 0, max: 2 }),
      // A look stopped at its period after this many keys, and the next begun at once (or none stopped).
      stopAfter: fc.option(fc.integer({ min: 0, max: 20 })),
      intervalMs: fc.integer({ min: 1_000, max: 60_000 })
    })
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 5_000 }), (steps, slotMs) => {
        const agenda = new LookAgenda(slotMs)
        const devices = new Map<string, Device>()
        let now = 1_700_000_000_000
        const deadline = (d: Device) => d.lastSeenMs + d.intervalMs
        for (const s of steps) {
          now += s.advanceMs
          for (let n = 0; n < s.newDevices; n++) {
            const key = `dev-${devices.size}`
            devices.set(key, { lastSeenMs: now, raisedForMs: undefined, intervalMs: s.intervalMs })
            agenda.lookNextUnlessListed(key)
          }
          for (const sign of s.signs) {
            const key = `dev-${sign.device}`
            const d = devices.get(key)
            if (d === undefined || now - sign.lagMs <= d.lastSeenMs) continue
            d.lastSeenMs = now - sign.lagMs
            agenda.lookNextUnlessListed(key)
          }
          const through = now - s.throughLagMs
          const everyDevice = [...devices].filter(([, d]) => d.raisedForMs !== d.lastSeenMs && deadline(d) < through).map(([k]) => k).sort()
          const found: Array<string> = []
          const look = (stopAfter: number | null) => {
            const keys = agenda.due(through)
            for (let taken = 0; ; taken++) {
              // Stopped between two keys, as the watch stops between two chunks.
              if (taken === stopAfter) return void keys.return(undefined)
              const next = keys.next()
              if (next.done === true) return
              const key = next.value
              const d = devices.get(key)!
              if (d.raisedForMs === d.lastSeenMs) continue
              if (deadline(d) >= through) {
                agenda.lookAt(key, deadline(d))
                continue
              }
              found.push(key)
              // Looked at again next time: raised by then, or found again.
              agenda.lookNext(key)
            }
          }
          look(s.stopAfter)
          // The rest, in the look that follows a stopped one.
          if (s.stopAfter !== null) look(null)
          expect([...new Set(found)].sort()).toEqual(everyDevice)
          for (const key of found) devices.get(key)!.raisedForMs = devices.get(key)!.lastSeenMs
        }
      }),
      { numRuns: 300 }
    )
  })
})
