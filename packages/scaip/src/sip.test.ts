import { describe, expect, it } from "@effect/vitest"
import { createHash } from "node:crypto"
import { Result } from "effect"
import * as fc from "fast-check"
import { parseMessageRequest } from "./message-request.ts"
import { digestChallenge, digestHa1, makeNonce, parseDigest, verifyDigest } from "./sip-digest.ts"
import { parseSipMessage, scaipBodyOf, sipFromUser, sipHeader, sipMessageRequest, sipResponse, SipStreamSplitter, type SipStreamItem } from "./sip.ts"

const enc = (text: string) => new TextEncoder().encode(text)
const dec = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

// SS 91100:2014 §9.1's example, with the Content-Length its body really has.
const body = "<mrq>\r\n  <ref>1234</ref>\r\n  <cid>123456</cid>\r\n  <dty>0001</dty>\r\n  <stc>001</stc>\r\n</mrq>"
const example = (length = enc(body).length) =>
  [
    "MESSAGE sip:user2@domain.com SIP/2.0",
    "Via: SIP/2.0/TCP user1.domain.com;branch=z9hG4bK776sgdkse",
    "To: sip:user2@domain.com",
    "From: sip:user1@domain.com;tag=49583",
    "Call-ID: asd88asd77a@1.2.3.4",
    "CSeq: 1 MESSAGE",
    "Max-Forwards: 70",
    "Content-Type: application/scaip+xml",
    `Content-Length: ${length}`,
    "",
    body
  ].join("\r\n")

const parsed = (text: string, transport: "tcp" | "udp" = "tcp") => {
  const result = parseSipMessage(enc(text), transport)
  if (Result.isFailure(result)) throw new Error(result.failure.reason)
  return result.success
}

describe("SCAIP over SIP", () => {
  it("reads the SS 91100 §9.1 SIP MESSAGE and hands its body to the SCAIP reader", () => {
    const message = parsed(example())
    expect(message).toMatchObject({ kind: "request", method: "MESSAGE", requestUri: "sip:user2@domain.com" })
    expect(sipHeader(message, "call-id")).toBe("asd88asd77a@1.2.3.4")
    expect(sipFromUser(message)).toBe("user1")
    const scaip = scaipBodyOf(message)
    if (Result.isFailure(scaip)) throw new Error(scaip.failure.reason)
    const mrq = parseMessageRequest(scaip.success)
    expect(Result.isSuccess(mrq) && mrq.success).toMatchObject({ ref: "1234", cid: "123456", dty: "0001", stc: "0001" })
  })

  it("reads compact header names and folded lines, and a body to the end of a UDP datagram", () => {
    const message = parsed("MESSAGE sip:arc@x SIP/2.0\r\nv: SIP/2.0/UDP a;branch=z9hG4bK1\r\nf: <sip:42@x>\r\n ;tag=1\r\nc: application/scaip+xml\r\n\r\n<mrq/>", "udp")
    expect(sipHeader(message, "Via")).toBe("SIP/2.0/UDP a;branch=z9hG4bK1")
    expect(sipHeader(message, "From")).toBe("<sip:42@x> ;tag=1")
    expect(dec(message.body)).toBe("<mrq/>")
  })

  it.each([
    ["no Content-Length on TCP", example().replace(/Content-Length: \d+\r\n/u, ""), "malformed"],
    ["a body shorter than its Content-Length", example(500), "malformed"],
    ["a garbage first line", "HELLO\r\n\r\n", "malformed"],
    ["no blank line", "MESSAGE sip:a SIP/2.0\r\nVia: x", "malformed"],
    ["a body past the cap", example(9000) + "x".repeat(9000), "too_large"]
  ])("refuses %s", (_, text, kind) => {
    const result = parseSipMessage(enc(text), "tcp")
    expect(Result.isFailure(result) && result.failure.kind).toBe(kind)
  })

  it("takes only MESSAGE requests with a SCAIP content type as SCAIP", () => {
    expect(Result.isFailure(scaipBodyOf(parsed(example().replace("MESSAGE sip", "OPTIONS sip"))))).toBe(true)
    expect(Result.isFailure(scaipBodyOf(parsed(example().replace("application/scaip+xml", "text/plain"))))).toBe(true)
  })

  it("answers with Via, From, To (tagged), Call-ID and CSeq copied, as RFC 3261 §8.2.6.2 asks", () => {
    const answer = dec(sipResponse(parsed(example()), 200, "OK", { toTag: "arc1" }))
    expect(answer).toBe(
      [
        "SIP/2.0 200 OK",
        "Via: SIP/2.0/TCP user1.domain.com;branch=z9hG4bK776sgdkse",
        "To: sip:user2@domain.com;tag=arc1",
        "From: sip:user1@domain.com;tag=49583",
        "Call-ID: asd88asd77a@1.2.3.4",
        "CSeq: 1 MESSAGE",
        "Content-Length: 0",
        "",
        ""
      ].join("\r\n")
    )
  })

  it("writes the <mrs> MESSAGE back to the unit (SIS-TR 91102 §7.5), readable by the same reader", () => {
    const bytes = sipMessageRequest({
      requestUri: "sip:user1@10.0.0.7:5060;transport=tcp",
      from: "sip:arc@domain.com",
      fromTag: "t1",
      to: "sip:user1@domain.com",
      callId: "c1@arc",
      cseq: 1,
      via: { transport: "TCP", sentBy: "arc.domain.com:5060", branch: "z9hG4bKa1" },
      body: "<mrs><ref>1234</ref><snu>0</snu></mrs>"
    })
    const message = parsed(dec(bytes))
    expect(message).toMatchObject({ method: "MESSAGE" })
    expect(dec(message.body)).toBe("<mrs><ref>1234</ref><snu>0</snu></mrs>")
  })
})

describe("SIP over TCP framing", () => {
  const kinds = (items: ReadonlyArray<SipStreamItem>) => items.map((i) => i.kind)

  it("frames back-to-back messages by Content-Length and answers keep-alive pings", () => {
    const splitter = new SipStreamSplitter()
    const items = splitter.push(enc(`\r\n\r\n${example()}${example()}\r\n`))
    expect(kinds(items)).toEqual(["keepalive", "message", "message"])
    expect(items[1]?.kind === "message" && dec(items[1].bytes)).toBe(example())
  })

  it("gives the same messages however the stream is cut", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 120 }), { maxLength: 30 }), (cuts) => {
        const stream = enc(example() + example())
        const splitter = new SipStreamSplitter()
        const out: Array<string> = []
        let at = 0
        for (const cut of [...cuts, stream.length]) {
          const next = Math.min(stream.length, at + cut)
          for (const item of splitter.push(stream.subarray(at, next))) if (item.kind === "message") out.push(dec(item.bytes))
          at = next
        }
        expect(out).toEqual([example(), example()])
      }),
      { numRuns: 300 }
    )
  })

  it("skips an oversized body by its length and goes on", () => {
    const splitter = new SipStreamSplitter()
    const big = example(20_000) + "y".repeat(20_000 - enc(body).length)
    expect(kinds([...splitter.push(enc(big.slice(0, 3000))), ...splitter.push(enc(big.slice(3000) + example()))])).toEqual(["oversized", "message"])
  })

  it("breaks (for the caller to close) on a message without Content-Length, and holds nothing after", () => {
    const splitter = new SipStreamSplitter()
    expect(kinds(splitter.push(enc("MESSAGE sip:a SIP/2.0\r\nVia: x\r\n\r\n<mrq/>")))).toEqual(["broken"])
    expect(splitter.push(enc(example()))).toEqual([])
    expect(splitter.pending).toBe(0)
  })

  it("never holds more than the header cap while waiting for a blank line", () => {
    const splitter = new SipStreamSplitter()
    const items = [...splitter.push(enc("MESSAGE sip:a SIP/2.0\r\n")), ...splitter.push(enc("X-Pad: " + "p".repeat(10_000)))]
    expect(kinds(items)).toEqual(["broken"])
  })

  it("never throws on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), (chunks) => {
        const splitter = new SipStreamSplitter()
        for (const chunk of chunks) {
          for (const item of splitter.push(chunk)) if (item.kind === "message") parseSipMessage(item.bytes, "tcp")
        }
        splitter.end()
        for (const chunk of chunks) parseSipMessage(chunk, "udp")
      }),
      { numRuns: 2000 }
    )
  })
})

describe("SIP digest authentication", () => {
  const realm = "arc.example"
  const secret = "nonce-secret-for-tests"
  const now = Date.parse("2026-11-25T21:04:05.120Z")
  const md5 = (s: string) => createHash("md5").update(s).digest("hex")
  const credentials = (nonce: string, password = "pw-4711", method = "MESSAGE") => {
    const ha1 = md5(`42:${realm}:${password}`)
    const ha2 = md5(`${method}:sip:arc@${realm}`)
    const response = md5(`${ha1}:${nonce}:00000001:abc:auth:${ha2}`)
    return `Digest username="42", realm="${realm}", nonce="${nonce}", uri="sip:arc@${realm}", response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="abc"`
  }
  const verify = (authorization: string | undefined, at = now) =>
    verifyDigest({ authorization, method: "MESSAGE", realm, secret, nowMs: at, maxNonceAgeMs: 300_000, ha1Of: (u) => (u === "42" ? digestHa1("42", realm, "pw-4711") : undefined) })

  it("accepts a unit answering our challenge with the right password", () => {
    const nonce = makeNonce(secret, now)
    expect(digestChallenge(realm, nonce)).toContain(`nonce="${nonce}"`)
    expect(parseDigest(credentials(nonce))?.get("username")).toBe("42")
    expect(verify(credentials(nonce), now + 1000)).toEqual(Result.succeed({ username: "42" }))
  })

  it.each([
    ["no Authorization header", () => undefined, "no_credentials"],
    ["a wrong password", () => credentials(makeNonce(secret, now), "guess"), "bad_response"],
    ["an answer computed for another method", () => credentials(makeNonce(secret, now), "pw-4711", "REGISTER"), "bad_response"],
    ["a nonce we did not make", () => credentials(makeNonce("another-secret", now)), "stale_nonce"],
    ["a nonce older than its lifetime (a replay)", () => credentials(makeNonce(secret, now - 600_000)), "stale_nonce"],
    ["an unknown unit", () => credentials(makeNonce(secret, now)).replace('username="42"', 'username="43"'), "unknown_user"],
    ["another realm", () => credentials(makeNonce(secret, now)).replace(`realm="${realm}"`, 'realm="x"'), "wrong_realm"]
  ])("refuses %s", (_, authorization, kind) => {
    expect(verify(authorization())).toEqual(Result.fail(kind))
  })
})
