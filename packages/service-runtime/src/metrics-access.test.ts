import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { isLoopbackHost } from "./config.ts"
import { isLoopbackAddress } from "./metrics-access.ts"

const octet = fc.integer({ min: 0, max: 255 })

describe("isLoopbackAddress", () => {
  it("is true for all of 127.0.0.0/8, also IPv4-mapped, and ::1", () => {
    fc.assert(fc.property(octet, octet, octet, (a, b, c) => {
      expect(isLoopbackAddress(`127.${a}.${b}.${c}`)).toBe(true)
      expect(isLoopbackAddress(`::ffff:127.${a}.${b}.${c}`)).toBe(true)
    }))
    expect(isLoopbackAddress("::1")).toBe(true)
  })

  it("is false for every other IPv4 address, mapped or not, and for other IPv6 addresses", () => {
    fc.assert(fc.property(octet.filter((a) => a !== 127), octet, octet, octet, (a, b, c, d) => {
      expect(isLoopbackAddress(`${a}.${b}.${c}.${d}`)).toBe(false)
      expect(isLoopbackAddress(`::ffff:${a}.${b}.${c}.${d}`)).toBe(false)
    }))
    for (const address of ["::", "fd00::2", "fe80::1", "::2", "1.127.0.0.1", "127.0.0.1.evil"]) expect([address, isLoopbackAddress(address)]).toEqual([address, false])
  })
})

describe("isLoopbackHost", () => {
  it("tells a loopback bind host from one reached from elsewhere", () => {
    for (const host of ["127.0.0.1", "localhost", "::1", "127.0.1.1"]) expect([host, isLoopbackHost(host)]).toEqual([host, true])
    for (const host of ["0.0.0.0", "::", "192.0.2.2", "console.example"]) expect([host, isLoopbackHost(host)]).toEqual([host, false])
  })
})
