import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { demoResponderDevices } from "./demo-devices.ts"

describe("the demo's responder phones for the simulator", () => {
  it("members' and next of kin's tokens, each once, in device-name order whatever the order they were kept in", () => {
    const device = fc.oneof(
      fc.stringMatching(/^[a-z0-9-]{1,12}$/).map((m) => `member:${m}`),
      fc.tuple(fc.stringMatching(/^res-\d{1,4}$/), fc.integer({ min: 1, max: 5 })).map(([r, n]) => `contact:${r}:${n}`)
    )
    fc.assert(fc.property(fc.uniqueArray(device, { maxLength: 40 }), (names) => {
      const tokens = Object.fromEntries(names.map((n) => [n, `rsp_${n}`]))
      const reversed = Object.fromEntries(names.toReversed().map((n) => [n, `rsp_${n}`]))
      const split = demoResponderDevices(tokens)
      expect(demoResponderDevices(reversed)).toEqual(split)
      expect(split.members.toSorted()).toEqual(names.filter((n) => n.startsWith("member:")).map((n) => `rsp_${n}`).toSorted())
      expect(split.contacts.toSorted()).toEqual(names.filter((n) => n.startsWith("contact:")).map((n) => `rsp_${n}`).toSorted())
    }))
  })
})
