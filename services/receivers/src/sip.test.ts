import { describe, expect, it } from "@effect/vitest"
import { createHash } from "node:crypto"
import { createSocket } from "node:dgram"
import { deflateSync, gzipSync } from "node:zlib"
import { connect } from "node:net"
import { ConfigProvider, Effect, Result } from "effect"
import * as fc from "fast-check"
import { parseSipMessage, type SipMessage, sipHeader } from "@wt/scaip"
import { makeSipAuthenticator, sipAuthenticatorFromConfig } from "./sip-accounts.ts"
import { receiveSipTcpItem, sipStreamBroken, sipTcpSplitter } from "./sip-tcp.ts"
import { serveSipUdp } from "./sip-udp.ts"
import { answer, hostPortOf, inflatedBody, missingHeader, mrsMessage, type SipFlow, type SipOutgoing, uriOf, withReceivedAt } from "./sip-wire.ts"
import { serveTcpFrames } from "./tcp-frames.ts"

const enc = (text: string) => new TextEncoder().encode(text)
const dec = (bytes: Uint8Array) => new TextDecoder().decode(bytes)
const read = (bytes: Uint8Array, transport: "tcp" | "udp" = "udp"): SipMessage => {
  const parsed = parseSipMessage(bytes, transport)
  if (Result.isFailure(parsed)) throw new Error(parsed.failure.reason)
  return parsed.success
}

const flow: SipFlow = { transport: "udp", peer: { address: "203.0.113.7", port: 40123 } }
const unitMessage = (extra: ReadonlyArray<string> = [], body = "<mrq><ref>1</ref><cid>42</cid></mrq>") =>
  read(enc([
    "MESSAGE sip:arc@arc.example:5070 SIP/2.0",
    "Via: SIP/2.0/UDP 10.0.0.7:5060;branch=z9hG4bKu1;rport",
    "From: \"Unit\" <sip:4790000000@arc.example>;tag=u1",
    "To: <sip:arc@arc.example>",
    "Call-ID: c1@10.0.0.7",
    "CSeq: 7 MESSAGE",
    ...extra,
    "Content-Type: application/scaip+xml",
    `Content-Length: ${enc(body).length}`,
    "",
    body
  ].join("\r\n")))

describe("SIP on the wire (sip-wire.ts)", () => {
  it("reads the URI of a From, To or Contact in either form, and the host and port of a URI", () => {
    expect(uriOf("\"Unit\" <sip:42@arc.example;transport=tcp>;tag=1")).toBe("sip:42@arc.example;transport=tcp")
    expect(uriOf("sip:42@arc.example;tag=1")).toBe("sip:42@arc.example")
    expect(uriOf("nobody")).toBeUndefined()
    expect(hostPortOf("sip:arc@10.0.0.1:5070;transport=tcp")).toBe("10.0.0.1:5070")
    expect(hostPortOf("sip:arc.example")).toBe("arc.example")
    expect(hostPortOf("sips:u@[2001:db8::1]:5061")).toBe("[2001:db8::1]:5061")
    expect(hostPortOf("mailto:x@y")).toBeUndefined()
  })

  it("answers with received and the rport filled in on the top Via (RFC 3261 §18.2.1, RFC 3581), the request's Call-ID and CSeq", () => {
    const response = read((answer(unitMessage(), flow, 200, "OK") as { bytes: Uint8Array }).bytes)
    expect(response.status).toBe(200)
    expect(sipHeader(response, "Via")).toBe("SIP/2.0/UDP 10.0.0.7:5060;branch=z9hG4bKu1;rport=40123;received=203.0.113.7")
    expect([sipHeader(response, "Call-ID"), sipHeader(response, "CSeq")]).toEqual(["c1@10.0.0.7", "7 MESSAGE"])
    expect(sipHeader(response, "To")).toMatch(/^<sip:arc@arc\.example>;tag=[0-9a-f]{12}$/u)
    // A received already there (a proxy's) is replaced, not repeated.
    const again = withReceivedAt(read(enc("OPTIONS sip:a SIP/2.0\r\nVia: SIP/2.0/UDP x;received=1.2.3.4;branch=z9hG4bK2\r\n\r\n")), flow)
    expect(sipHeader(again, "Via")).toBe("SIP/2.0/UDP x;branch=z9hG4bK2;received=203.0.113.7")
  })

  it("names the header a request cannot be answered or handled without, and a CSeq of another method", () => {
    expect(missingHeader(unitMessage())).toBeUndefined()
    expect(missingHeader(read(enc("MESSAGE sip:a SIP/2.0\r\nVia: SIP/2.0/UDP x;branch=z9hG4bK1\r\nFrom: <sip:a@b>\r\nTo: <sip:c@d>\r\nCSeq: 1 MESSAGE\r\n\r\n")))).toBe("Call-ID")
    expect(missingHeader(read(enc("MESSAGE sip:a SIP/2.0\r\nVia: v\r\nFrom: f\r\nTo: t\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n")))).toMatch(/not the request's MESSAGE/u)
  })

  it("sends the <mrs> in a MESSAGE to the unit's address of record, from the address it sent to, readable as SIP", () => {
    const out = mrsMessage(unitMessage(), { transport: "tcp", peer: flow.peer }, "<mrs><ref>1</ref><snu>0</snu></mrs>")
    expect(out?.kind).toBe("request")
    const message = read(out!.bytes, "tcp")
    expect([message.method, message.requestUri]).toEqual(["MESSAGE", "sip:4790000000@arc.example"])
    expect(sipHeader(message, "From")).toMatch(/^<sip:arc@arc\.example>;tag=/u)
    expect(sipHeader(message, "To")).toBe("<sip:4790000000@arc.example>")
    expect(sipHeader(message, "Via")).toBe(`SIP/2.0/TCP arc.example:5070;rport;branch=${(out as { branch: string }).branch}`)
    expect(sipHeader(message, "Content-Type")).toBe("application/scaip+xml")
    expect(dec(message.body)).toBe("<mrs><ref>1</ref><snu>0</snu></mrs>")
    // Each is a new request: a new branch and Call-ID (RFC 3261 §8.1.1.4, §8.1.1.7).
    const second = mrsMessage(unitMessage(), flow, "<mrs/>")!
    expect(sipHeader(read(second.bytes), "Call-ID")).not.toBe(sipHeader(message, "Call-ID"))
  })
})

describe("compressed SCAIP bodies (SIS-TR 91102 §7.6)", () => {
  const compressed = (body: Uint8Array, encoding: string) => {
    const plain = unitMessage([`Content-Encoding: ${encoding}`])
    return { ...plain, body }
  }
  const mrq = enc("<mrq><ref>1</ref><cid>42</cid><dty>0003</dty></mrq>")

  it("reads a deflate or gzip body back to the plain <mrq>, without the encoding header; leaves a plain one alone", () => {
    for (const [encoding, bytes] of [["deflate", deflateSync(mrq)], ["gzip", gzipSync(mrq)]] as const) {
      const read = inflatedBody(compressed(new Uint8Array(bytes), encoding))
      expect(typeof read === "object" && [dec(read.body), sipHeader(read, "Content-Encoding")]).toEqual([dec(mrq), undefined])
    }
    expect(inflatedBody(unitMessage())).toBeUndefined()
    expect(inflatedBody(compressed(mrq, "br"))).toBeUndefined()
  })

  it("refuses, with a reason, a body that does not decompress or would grow past the SIP body cap", () => {
    expect(inflatedBody(compressed(mrq, "deflate"))).toMatch(/^a deflate body that does not decompress/u)
    const bomb = new Uint8Array(deflateSync(new Uint8Array(1_000_000)))
    expect(bomb.length).toBeLessThan(2000)
    expect(inflatedBody(compressed(bomb, "deflate"))).toMatch(/within 8192 bytes/u)
  })
})

describe("SIP digest against group accounts (sip-accounts.ts)", () => {
  const md5 = (s: string) => createHash("md5").update(s).digest("hex")
  const auth = makeSipAuthenticator("arc.example", [
    { username: "group-north", password: "north-password-1", tenant: "north" },
    { username: "group-all", password: "any-tenant-password" }
  ])
  const now = Date.parse("2026-12-04T12:00:00Z")
  const credentials = (challenge: string, username: string, password: string, method = "MESSAGE") => {
    const nonce = /nonce="([^"]+)"/u.exec(challenge)![1]!
    const uri = "sip:arc@arc.example:5070"
    const response = md5(`${md5(`${username}:arc.example:${password}`)}:${nonce}:00000001:c0ffee:auth:${md5(`${method}:${uri}`)}`)
    return `Authorization: Digest username="${username}", realm="arc.example", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="c0ffee"`
  }
  const challenge = () => {
    const first = auth.check(unitMessage(), now)
    if (first._tag !== "Challenge") throw new Error("expected a challenge")
    return first.header
  }

  it("challenges a request without credentials, then takes the account's answer with the tenant it serves", () => {
    expect(auth.required).toBe(true)
    expect(auth.check(unitMessage([credentials(challenge(), "group-north", "north-password-1")]), now + 2000)).toEqual({ _tag: "Authenticated", account: "group-north", tenant: "north" })
    expect(auth.check(unitMessage([credentials(challenge(), "group-all", "any-tenant-password")]), now + 2000)).toEqual({ _tag: "Authenticated", account: "group-all" })
  })

  it("refuses a wrong password and an unknown account, and challenges again (stale) when the nonce has expired", () => {
    expect(auth.check(unitMessage([credentials(challenge(), "group-north", "guess")]), now)).toEqual({ _tag: "Refused", reason: "bad_response" })
    expect(auth.check(unitMessage([credentials(challenge(), "group-south", "north-password-1")]), now)).toEqual({ _tag: "Refused", reason: "unknown_user" })
    const late = auth.check(unitMessage([credentials(challenge(), "group-north", "north-password-1")]), now + 6 * 60_000)
    expect(late._tag === "Challenge" && late.header).toContain("stale=true")
  })

  it("a receiver configured with the same accounts checks another copy's nonce; without accounts, anyone is taken", () => {
    const copy = makeSipAuthenticator("arc.example", [
      { username: "group-all", password: "any-tenant-password" },
      { username: "group-north", password: "north-password-1", tenant: "north" }
    ])
    expect(copy.check(unitMessage([credentials(challenge(), "group-all", "any-tenant-password")]), now)._tag).toBe("Authenticated")
    const open = makeSipAuthenticator("arc.example", [])
    expect([open.required, open.check(unitMessage(), now)._tag]).toEqual([false, "Authenticated"])
  })
})

describe("SIP accounts from configuration", () => {
  const fromEnv = (env: Record<string, string>) => sipAuthenticatorFromConfig.pipe(Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env }))))

  it.effect("reads the accounts and realm; a list it cannot read stops the start with a reason that never shows a password", () =>
    Effect.gen(function*() {
      const auth = yield* fromEnv({ WT_SCAIP_SIP_ACCOUNTS: JSON.stringify([{ username: "g1", password: "a-long-password" }]), WT_SCAIP_SIP_REALM: "arc.example" })
      expect([auth.required, auth.realm]).toEqual([true, "arc.example"])
      expect((yield* fromEnv({})).required).toBe(false)
      for (const bad of ['[{"username":"g1","password":"short-pw"}]', "[]", "not json", '[{"username":"g 1","password":"a-long-password"}]']) {
        const failed = yield* Effect.flip(fromEnv({ WT_SCAIP_SIP_ACCOUNTS: bad }))
        expect(failed._tag).toBe("SipAccountsInvalid")
        expect(String(failed.message)).not.toContain("short-pw")
        expect(String(failed.message)).not.toContain("a-long-password")
      }
    }))
})

/** A handler that answers every request 200 and, for a MESSAGE, sends a MESSAGE of its own, counting what it handled. */
const echoing = () => {
  const handled: Array<string> = []
  const counted: Array<string> = []
  const responses: Array<number> = []
  return {
    handled,
    counted,
    responses,
    handlers: {
      onRequest: (request: SipMessage, _raw: Uint8Array, f: SipFlow) =>
        Effect.sync((): ReadonlyArray<SipOutgoing> => {
          handled.push(`${request.method} ${sipHeader(request, "CSeq")}`)
          const ok = answer(request, f, 200, "OK")
          return request.method === "MESSAGE" ? [ok, mrsMessage(request, f, "<mrs><ref>1</ref><snu>0</snu></mrs>")!] : [ok]
        }),
      onUnreadable: () => Effect.sync((): ReadonlyArray<SipOutgoing> => {
        handled.push("unreadable")
        return []
      }),
      onResponse: (response: SipMessage, matched: boolean) => Effect.sync(() => void responses.push(matched ? response.status ?? 0 : -1)),
      count: (outcome: string) => Effect.sync(() => void counted.push(outcome))
    }
  }
}

const udpPeer = Effect.acquireRelease(
  Effect.promise(() =>
    new Promise<{ readonly port: number; readonly got: Array<string>; readonly send: (text: string | Uint8Array, to: number) => void; readonly close: () => void }>((resolve) => {
      const socket = createSocket("udp4")
      const got: Array<string> = []
      socket.on("message", (m) => got.push(m.toString("latin1")))
      socket.bind(0, "127.0.0.1", () =>
        resolve({ port: socket.address().port, got, send: (text, to) => socket.send(typeof text === "string" ? Buffer.from(text) : text, to, "127.0.0.1"), close: () => socket.close() }))
    })
  ),
  (peer) => Effect.sync(peer.close)
)

const request = (method: string, local: number, cseq = 1, callId = "k1") =>
  `${method} sip:arc@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK${method}${cseq}${callId};rport\r\nFrom: <sip:42@127.0.0.1:${local}>;tag=u\r\nTo: <sip:arc@127.0.0.1>\r\nCall-ID: ${callId}\r\nCSeq: ${cseq} ${method}\r\nContent-Type: application/scaip+xml\r\nContent-Length: 6\r\n\r\n<mrq/>`

const okFor = (message: string) => {
  const lines = message.split("\r\n")
  const pick = (n: string) => lines.filter((l) => l.toLowerCase().startsWith(`${n.toLowerCase()}:`))
  return ["SIP/2.0 200 OK", ...pick("Via"), ...pick("From"), `${pick("To")[0]};tag=u2`, ...pick("Call-ID"), ...pick("CSeq"), "Content-Length: 0", "", ""].join("\r\n")
}

describe("SIP over UDP transactions (sip-udp.ts)", () => {
  it.live("a retransmitted request is handled once and answered each time; our MESSAGE is retransmitted until the unit answers it, then no more", () =>
    Effect.scoped(Effect.gen(function*() {
      const sip = echoing()
      const port = yield* serveSipUdp({ label: "test", host: "127.0.0.1", port: 0, maxInFlight: 16, ...sip.handlers })
      const unit = yield* udpPeer
      for (let i = 0; i < 3; i++) {
        unit.send(request("MESSAGE", unit.port), port)
        yield* Effect.sleep("50 millis")
      }
      const messages = () => unit.got.filter((m) => m.startsWith("MESSAGE "))
      yield* Effect.sleep("1200 millis")
      expect(sip.handled).toEqual(["MESSAGE 1 MESSAGE"])
      expect(unit.got.filter((m) => m.startsWith("SIP/2.0 200 OK"))).toHaveLength(3)
      expect(sip.counted.filter((c) => c === "sip_retransmission")).toHaveLength(2)
      // Sent at once, again after 500 ms and after 1.5 s (T1 doubling): at least twice by now, all the same bytes.
      expect(messages().length).toBeGreaterThanOrEqual(2)
      expect(new Set(messages()).size).toBe(1)
      // Its answer, and the same answer again (crossing a retransmission of ours): taken once.
      unit.send(okFor(messages()[0]!), port)
      unit.send(okFor(messages()[0]!), port)
      yield* Effect.sleep("100 millis")
      const seen = messages().length
      yield* Effect.sleep("2500 millis")
      expect(messages().length).toBe(seen)
      expect(sip.responses).toEqual([200])
      expect(sip.counted.filter((c) => c === "sip_retransmission")).toHaveLength(3)
    })), 15_000)

  it.live("no datagram stops it: after any bytes it still answers", () =>
    Effect.scoped(Effect.gen(function*() {
      const sip = echoing()
      const port = yield* serveSipUdp({ label: "test", host: "127.0.0.1", port: 0, maxInFlight: 4096, ...sip.handlers })
      const unit = yield* udpPeer
      const datagrams = fc.sample(fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 1400 }), fc.string({ maxLength: 600 }).map((s) => enc(request("OPTIONS", 1).slice(0, 40) + s))), 300)
      for (const d of datagrams) unit.send(d, port)
      yield* Effect.sleep("300 millis")
      unit.send(request("OPTIONS", unit.port, 1, "after-fuzz"), port)
      yield* Effect.sleep("300 millis")
      expect(unit.got.some((m) => m.startsWith("SIP/2.0 200 OK") && m.includes("Call-ID: after-fuzz"))).toBe(true)
    })), 15_000)
})

describe("SIP over TCP (sip-tcp.ts)", () => {
  const tcpExchange = (port: number, chunks: ReadonlyArray<Uint8Array>) =>
    Effect.promise(() =>
      new Promise<{ readonly text: string; readonly closed: boolean }>((resolve) => {
        const socket = connect({ host: "127.0.0.1", port })
        let text = ""
        let closed = false
        socket.on("data", (d) => (text += d.toString("latin1")))
        socket.on("close", () => (closed = true))
        socket.on("error", () => (closed = true))
        socket.on("connect", () => {
          for (const c of chunks) socket.write(c)
        })
        setTimeout(() => {
          socket.destroy()
          resolve({ text, closed })
        }, 400)
      })
    )

  const serve = (sip: ReturnType<typeof echoing>) =>
    serveTcpFrames({
      label: "test",
      host: "127.0.0.1",
      port: 0,
      maxConnections: 16,
      idleTimeoutMs: 5000,
      splitter: sipTcpSplitter,
      handle: (item, peer) => receiveSipTcpItem(item, peer, sip.handlers),
      closeAfter: sipStreamBroken
    })

  it.live("answers on the connection however the stream is cut: the 200, our MESSAGE, the CRLF pong to a ping; closes after bytes it cannot frame", () =>
    Effect.scoped(Effect.gen(function*() {
      const sip = echoing()
      const port = yield* serve(sip)
      const message = enc(request("MESSAGE", 5060).replace("SIP/2.0/UDP", "SIP/2.0/TCP"))
      const cut = [message.subarray(0, 17), message.subarray(17, 100), message.subarray(100), enc("\r\n\r\n")]
      const first = yield* tcpExchange(port, cut)
      expect(first.text.startsWith("SIP/2.0 200 OK\r\n")).toBe(true)
      expect(first.text).toMatch(/\r\n\r\nMESSAGE sip:42@127\.0\.0\.1:5060 SIP\/2\.0\r\n[\s\S]*<mrs><ref>1<\/ref><snu>0<\/snu><\/mrs>\r\n$/u)
      expect(first.closed).toBe(false)
      expect(sip.counted).toContain("keepalive")

      const broken = yield* tcpExchange(port, [enc("MESSAGE sip:a SIP/2.0\r\nVia: x\r\n\r\n<mrq/>"), message])
      expect(broken.closed).toBe(true)
      expect(sip.handled.filter((h) => h === "unreadable")).toHaveLength(1)
    })), 15_000)

  it.live("no bytes make it throw: any chunks on a connection, and the next connection is answered", () =>
    Effect.scoped(Effect.gen(function*() {
      const sip = echoing()
      const port = yield* serve(sip)
      for (const chunks of fc.sample(fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 5 }), 25)) yield* tcpExchange(port, chunks)
      const after = yield* tcpExchange(port, [enc(request("OPTIONS", 5060, 1, "after-fuzz").replace("SIP/2.0/UDP", "SIP/2.0/TCP"))])
      expect(after.text).toContain("Call-ID: after-fuzz")
    })), 60_000)
})
