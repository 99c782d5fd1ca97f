import { spawn, spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { expect, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { DeadLetter, Streams } from "@wt/contracts"
import { freePort, readSubject } from "@wt/nats"
import { demoWireDigits } from "@wt/registry/demo"
import { encodeMrq } from "@wt/sim-devices/protocols/scaip"
import { onDatabase } from "../support/database.ts"
import { eventually, queuedIncident, signIn } from "../support/http.ts"
import { digestAuthorization, header, okTo, type SipText, type SipUnitLink, sipRequest, statusOf, tcpUnit, udpUnit } from "../support/sip-unit.ts"
import { E2ESystem } from "../support/system.ts"

/**
 * SCAIP as SS 91100 §9.1 carries it: the <mrq> in a SIP MESSAGE (application/scaip+xml), over UDP and
 * TCP to WT_SCAIP_SIP_PORT, authenticated by SIP digest against a group account (SS 91100 §8, SIS-TR
 * 91102 §7.5). The centre answers the MESSAGE 200 once the alarm is stored and sends its <mrs> in a
 * MESSAGE of its own back to the unit (TR 91102 §7.5). The unit's side is tests/support/sip-unit.ts,
 * written from the RFCs, not from the receiver's code.
 */
export const SipAccount = { username: "luc-demo-group", password: "e2e-only-group-password", realm: "arc.e2e.test" }

const decodeLetter = Schema.decodeUnknownSync(Schema.fromJsonString(DeadLetter))
const scaipLetters = Effect.map(readSubject(Streams.deadLetter, "wt.dlq.scaip"), (ms) => ms.map((m) => decodeLetter(new TextDecoder().decode(m.data))))
const rawOf = (letter: DeadLetter) => Buffer.from(letter.rawBase64, "base64").toString("latin1")

export const alarmOf = (id: string) =>
  E2ESystem.use((sys) =>
    onDatabase(sys.databaseUrl, (sql) => sql<{ id: string; resident_id: string }>`SELECT id, resident_id FROM devices WHERE tenant = 'demo' AND id = ${id}`)
  ).pipe(Effect.map((rows) => ({ ...rows[0]!, cid: demoWireDigits("1", { id, type: "safety_alarm" })! })))

const storedVia = (deviceId: string) =>
  Effect.map(readSubject(Streams.device, `wt.dev.demo.*.*.${deviceId}`), (ms) => ms.map((m) => JSON.parse(new TextDecoder().decode(m.data)) as { id: string; source: { via: string }; type: string }))

const callId = () => `${randomBytes(6).toString("hex")}@unit`

/** A MESSAGE from `link` as the unit `cid`, optionally answering a challenge. */
const message = (link: SipUnitLink, transport: "UDP" | "TCP", port: number, cid: string, mrq: string, options: { readonly cseq: number; readonly call: string; readonly challenge?: string; readonly password?: string }) => {
  const uri = `sip:arc@127.0.0.1:${port}`
  const authorization = options.challenge === undefined
    ? []
    : [`Authorization: ${digestAuthorization(options.challenge, { username: SipAccount.username, password: options.password ?? SipAccount.password, method: "MESSAGE", uri })}`]
  return sipRequest({ method: "MESSAGE", uri, transport, local: link.local, user: cid, callId: options.call, cseq: options.cseq, headers: authorization, contentType: "application/scaip+xml", body: mrq })
}

const scenarios = fileURLToPath(new URL("./sipp/", import.meta.url))

/**
 * SIPp (Debian sip-tester; CI installs it, .ci/run) playing a SCAIP unit from tests/e2e/sipp/: the alarm
 * scenario with the out-of-call scenario that takes our <mrs> MESSAGE. What it sent and received is read
 * back from its message log.
 */
const runSipp = (port: number, transport: "u1" | "t1", fields: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const installed = spawnSync("sipp", ["-v"], { encoding: "utf8" })
    if (installed.error !== undefined) throw new Error("SIPp is not installed (Debian package sip-tester; .ci/run installs it)")
    const local = yield* freePort
    const dir = mkdtempSync(join(tmpdir(), "wt-sipp-"))
    writeFileSync(join(dir, "fields.csv"), `SEQUENTIAL\n${fields.join(";")}\n`)
    const args = [
      `127.0.0.1:${port}`, "-t", transport, "-i", "127.0.0.1", "-p", String(local),
      "-sf", join(scenarios, "scaip-alarm.xml"), "-oocsf", join(scenarios, "scaip-mrs.xml"), "-inf", join(dir, "fields.csv"),
      "-m", "1", "-nostdin", "-timeout", "20s", "-timeout_error",
      "-trace_msg", "-message_file", join(dir, "messages.log"), "-trace_err", "-error_file", join(dir, "errors.log")
    ]
    const code = yield* Effect.promise(() =>
      new Promise<number | null>((resolve) => {
        const child = spawn("sipp", args, { cwd: dir, stdio: "ignore" })
        child.on("exit", (c) => resolve(c))
        child.on("error", () => resolve(null))
      })
    )
    const read = (name: string) => {
      try {
        return readFileSync(join(dir, name), "latin1")
      } catch {
        return ""
      }
    }
    const result = { code, local, messages: read("messages.log"), errors: read("errors.log") }
    rmSync(dir, { recursive: true, force: true })
    return result
  })

const isStatus = (status: number) => (m: SipText) => statusOf(m) === status
const isMessage = (m: SipText) => m.firstLine.startsWith("MESSAGE ")

/** The whole exchange a unit makes: challenged, answers with its credentials, gets 200 and then the centre's <mrs> MESSAGE. */
const authenticatedAlarm = (link: SipUnitLink, transport: "UDP" | "TCP", port: number, cid: string, mrq: string) =>
  Effect.gen(function*() {
    const call = callId()
    link.send(message(link, transport, port, cid, mrq, { cseq: 1, call }))
    const challenge = yield* link.next(isStatus(401))
    expect(header(challenge, "www-authenticate")).toMatch(new RegExp(`^Digest realm="${SipAccount.realm}", nonce="[^"]+", algorithm=MD5, qop="auth"`, "u"))
    link.send(message(link, transport, port, cid, mrq, { cseq: 2, call, challenge: header(challenge, "www-authenticate")! }))
    const ok = yield* link.next(isStatus(200), 10_000)
    expect(header(ok, "cseq")).toBe("2 MESSAGE")
    expect(header(ok, "call-id")).toBe(call)
    expect(header(ok, "via")).toContain("received=127.0.0.1")
    const mrs = yield* link.next(isMessage, 10_000)
    return { ok, mrs }
  })

layer(
  E2ESystem.layerWithNatsAnd({
    env: {
      WT_SCAIP_SIP_ACCOUNTS: JSON.stringify([{ username: SipAccount.username, password: SipAccount.password, tenant: "demo" }]),
      WT_SCAIP_SIP_REALM: SipAccount.realm
    }
  }),
  { excludeTestServices: true, timeout: "120 seconds" }
)("SCAIP over SIP (SS 91100 §9.1)", (it) => {
  it.effect("over UDP: a pendant alarm in a SIP MESSAGE is challenged, then stored, answered 200, and the <mrs> snu 0 comes in a MESSAGE retransmitted until the unit answers; a P1 on the queue", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const port = sys.protocolPorts.scaipSip
      const alarm = yield* alarmOf("alarm-000031")
      const link = yield* udpUnit(port)
      const mrq = encodeMrq({ ref: "U0001", cid: alarm.cid, dty: 3, stc: 10, pri: 1 })
      const { mrs } = yield* authenticatedAlarm(link, "UDP", port, alarm.cid, mrq)

      // TR 91102 §7.5: addressed to the unit's own SIP address (its From), carrying the <mrs> as application/scaip+xml.
      expect(mrs.firstLine).toBe(`MESSAGE sip:${alarm.cid}@${link.local} SIP/2.0`)
      expect(header(mrs, "content-type")).toBe("application/scaip+xml")
      expect(header(mrs, "to")).toBe(`<sip:${alarm.cid}@${link.local}>`)
      expect(mrs.body).toBe("<mrs><ref>U0001</ref><snu>0</snu></mrs>")
      const stored = yield* storedVia(alarm.id)
      expect(stored.map((e) => [e.type, e.source.via])).toEqual([["safety_alarm", "scaip"]])

      // Not answered: the MESSAGE comes again (RFC 3261 Timer E, from 500 ms), with the same branch; once answered, no more.
      const again = yield* link.next(isMessage, 3000)
      expect(header(again, "via")).toBe(header(mrs, "via"))
      link.send(okTo(again))
      yield* Effect.sleep("2500 millis")
      expect(link.received().filter(isMessage)).toHaveLength(2)

      const operator = yield* signIn(sys.consoleUrl, "operator", sys.password)
      const incident = yield* queuedIncident(sys.consoleUrl, operator, alarm.resident_id, { timeoutMs: 10_000 })
      expect(incident).toMatchObject({ priority: "P1", deviceEventCount: 1 })
    }))

  it.effect("over TCP: the 401, the 200 and the <mrs> MESSAGE all come back on the unit's connection; a P1 on the queue", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const port = sys.protocolPorts.scaipSip
      const alarm = yield* alarmOf("alarm-000033")
      const link = yield* tcpUnit(port)
      const mrq = encodeMrq({ ref: "T0001", cid: alarm.cid, dty: 3, stc: 10, pri: 1 })
      const { mrs } = yield* authenticatedAlarm(link, "TCP", port, alarm.cid, mrq)
      expect(mrs.body).toBe("<mrs><ref>T0001</ref><snu>0</snu></mrs>")
      expect(header(mrs, "via")).toMatch(/^SIP\/2\.0\/TCP /u)
      link.send(okTo(mrs))
      expect((yield* storedVia(alarm.id)).map((e) => e.source.via)).toEqual(["scaip"])
      const operator = yield* signIn(sys.consoleUrl, "operator", sys.password)
      const incident = yield* queuedIncident(sys.consoleUrl, operator, alarm.resident_id, { timeoutMs: 10_000 })
      expect(incident).toMatchObject({ priority: "P1" })
      expect(link.closed()).toBe(false)
    }))

  it.effect("an unknown unit is told 'not treated' (snu 5), a wrong password 403, INVITE 405, OPTIONS and REGISTER 200; every refusal kept in WT_DLQ", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const port = sys.protocolPorts.scaipSip
      const uri = `sip:arc@127.0.0.1:${port}`
      const link = yield* udpUnit(port)

      const stranger = encodeMrq({ ref: "X0001", cid: "19999998", dty: 3, stc: 10 })
      const { mrs } = yield* authenticatedAlarm(link, "UDP", port, "19999998", stranger)
      expect(mrs.body).toBe("<mrs><ref>X0001</ref><snu>5</snu><ste>unknown device</ste></mrs>")
      link.send(okTo(mrs))

      const alarm = yield* alarmOf("alarm-000035")
      const call = callId()
      const mrq = encodeMrq({ ref: "W0001", cid: alarm.cid, dty: 3, stc: 10 })
      link.send(message(link, "UDP", port, alarm.cid, mrq, { cseq: 1, call }))
      const challenge = header(yield* link.next(isStatus(401)), "www-authenticate")!
      link.send(message(link, "UDP", port, alarm.cid, mrq, { cseq: 2, call, challenge, password: "not-the-password" }))
      yield* link.next(isStatus(403))
      expect(yield* storedVia(alarm.id)).toEqual([])

      link.send(sipRequest({ method: "INVITE", uri, transport: "UDP", local: link.local, user: alarm.cid, callId: callId(), cseq: 1 }))
      const refused = yield* link.next(isStatus(405))
      expect(header(refused, "allow")).toBe("MESSAGE, REGISTER, OPTIONS")

      link.send(sipRequest({ method: "OPTIONS", uri, transport: "UDP", local: link.local, user: alarm.cid, callId: callId(), cseq: 1 }))
      expect(header(yield* link.next(isStatus(200)), "accept")).toBe("application/scaip+xml")

      const registerCall = callId()
      const register = (cseq: number, authorization: ReadonlyArray<string>) =>
        sipRequest({
          method: "REGISTER",
          uri: `sip:127.0.0.1:${port}`,
          transport: "UDP",
          local: link.local,
          user: alarm.cid,
          callId: registerCall,
          cseq,
          headers: [`Contact: <sip:${alarm.cid}@${link.local}>`, "Expires: 7200", ...authorization]
        })
      link.send(register(1, []))
      const registerChallenge = header(yield* link.next(isStatus(401)), "www-authenticate")!
      link.send(register(2, [`Authorization: ${digestAuthorization(registerChallenge, { ...SipAccount, method: "REGISTER", uri: `sip:127.0.0.1:${port}` })}`]))
      const registered = yield* link.next(isStatus(200))
      // Held at most an hour, whatever the unit asked for.
      expect(header(registered, "contact")).toBe(`<sip:${alarm.cid}@${link.local}>;expires=3600`)

      // Unreadable: a body past its cap (413, as its headers can still be answered), and bytes that are no SIP at all (unanswered).
      link.send(`MESSAGE ${uri} SIP/2.0\r\nVia: SIP/2.0/UDP ${link.local};branch=z9hG4bKbig\r\nFrom: <sip:1@x>;tag=1\r\nTo: <${uri}>\r\nCall-ID: big@unit\r\nCSeq: 1 MESSAGE\r\nContent-Length: 20000\r\n\r\n${"x".repeat(20_000)}`)
      yield* link.next(isStatus(413))
      link.send(new Uint8Array([0x16, 0x03, 0x01, 0x00, 0xff, 0x01]))
      // A line that is no header: 400 with the reason, as the headers an answer needs are there; its
      // retransmission gets the same answer and is not kept a second time.
      const broken = `MESSAGE ${uri} SIP/2.0\r\nVia: SIP/2.0/UDP ${link.local};branch=z9hG4bKhdr\r\nFrom: <sip:1@x>;tag=1\r\nTo: <${uri}>\r\nCall-ID: hdr@unit\r\nCSeq: 1 MESSAGE\r\nthis line is no header\r\nContent-Type: application/scaip+xml\r\nContent-Length: 6\r\n\r\n<mrq/>`
      link.send(broken)
      const bad = yield* link.next(isStatus(400))
      expect([header(bad, "call-id"), header(bad, "warning")]).toEqual(["hdr@unit", '399 wt "a header line without a name and a colon"'])
      link.send(broken)
      yield* link.next(isStatus(400))

      const kept = yield* eventually(
        Effect.map(scaipLetters, (letters) => {
          const find = (f: (raw: string, reason: string) => boolean) => letters.find((l) => f(rawOf(l), l.reason))
          const found = {
            unknown: find((raw, reason) => raw.includes("X0001") && reason.includes("not registered")),
            forbidden: find((raw, reason) => raw.includes("W0001") && reason.includes("digest credentials refused (bad_response)")),
            invite: find((raw, reason) => raw.startsWith("INVITE ") && reason.includes("method_not_allowed")),
            big: find((raw, reason) => raw.includes("Call-ID: big@unit") && reason.includes("too_large")),
            garbage: find((raw) => raw.startsWith("\x16\x03\x01")),
            broken: find((raw, reason) => raw.includes("Call-ID: hdr@unit") && reason.includes("malformed"))
          }
          return Object.values(found).every((l) => l !== undefined) ? found : undefined
        }),
        10_000
      )
      expect(kept.unknown?.reason).toBe("SCAIP request refused (unknown_device): controller 19999998 is not registered")
      expect(kept.invite?.reason).toContain("INVITE: this centre takes SCAIP messages only")
      // Neither the OPTIONS, the REGISTER nor the challenges are refusals: nothing kept for them.
      const letters = yield* scaipLetters
      expect(letters.filter((l) => /^(?:OPTIONS|REGISTER) /u.test(rawOf(l)))).toEqual([])
      expect(letters.filter((l) => rawOf(l).includes("Call-ID: hdr@unit"))).toHaveLength(1)
    }))

  it.effect("over TCP, bytes that cannot be framed as SIP (no Content-Length) are kept and the connection closed; a CRLFCRLF keep-alive is answered CRLF", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const link = yield* tcpUnit(sys.protocolPorts.scaipSip)
      const uri = `sip:arc@127.0.0.1:${sys.protocolPorts.scaipSip}`
      link.send(`OPTIONS ${uri} SIP/2.0\r\nVia: SIP/2.0/TCP ${link.local};branch=z9hG4bKka\r\nFrom: <sip:1@x>;tag=1\r\nTo: <${uri}>\r\nCall-ID: ka@unit\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n\r\n\r\n`)
      yield* link.next(isStatus(200))
      // RFC 5626 §4.4.1: the pong, a single CRLF after the 200.
      yield* eventually(Effect.sync(() => (link.raw().endsWith("Content-Length: 0\r\n\r\n\r\n") ? true : undefined)), 5000)
      link.send(`MESSAGE ${uri} SIP/2.0\r\nVia: SIP/2.0/TCP ${link.local};branch=z9hG4bKnolen\r\nFrom: <sip:1@x>;tag=1\r\nTo: <${uri}>\r\nCall-ID: nolen@unit\r\nCSeq: 1 MESSAGE\r\n\r\n<mrq/>`)
      yield* eventually(Effect.sync(() => (link.closed() ? true : undefined)), 5000)
      yield* eventually(Effect.map(scaipLetters, (ls) => ls.find((l) => rawOf(l).includes("Call-ID: nolen@unit") && l.reason.includes("without Content-Length"))), 10_000)
    }))

  it.effect.each([["UDP", "u1"], ["TCP", "t1"]] as const)("SIPp, an implementation we did not write, as a unit over %s: digest, 200, and our <mrs> snu 0, which it checks and answers; stored and on the queue", ([name, transport]) =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const alarm = yield* alarmOf(transport === "u1" ? "alarm-000037" : "alarm-000039")
      const ref = `SIPP${name}1`
      const run = yield* runSipp(sys.protocolPorts.scaipSip, transport, [alarm.cid, ref])
      // Exit 0: every call, the alarm's and the out-of-call <mrs> (whose snu 0 and content type it checked), succeeded.
      // SIPp notes the out-of-call MESSAGE it took; any other event is an error.
      // (SIPp 3.6.1 writes its events one after another without a line break: split them at their timestamps.)
      const events = run.errors.split(/(?=\d{4}-\d{2}-\d{2}\t)/u).filter((e) => /^\d{4}-/u.test(e) && !e.includes("Received out-of-call MESSAGE message, using the out-of-call scenario"))
      expect({ code: run.code, events }).toEqual({ code: 0, events: [] })
      expect(run.errors).toContain("out-of-call MESSAGE")
      expect(run.messages).toContain("SIP/2.0 401 Unauthorized")
      expect(run.messages).toMatch(/Authorization: Digest username="luc-demo-group"/u)
      expect(run.messages).toContain(`MESSAGE sip:${alarm.cid}@127.0.0.1:${run.local} SIP/2.0`)
      expect(run.messages).toContain(`<mrs><ref>${ref}</ref><snu>0</snu></mrs>`)
      expect(run.messages.match(/SIP\/2\.0 200 OK/gu)?.length).toBe(2)
      expect((yield* storedVia(alarm.id)).map((e) => [e.type, e.source.via])).toEqual([["safety_alarm", "scaip"]])
      const operator = yield* signIn(sys.consoleUrl, "operator", sys.password)
      const incident = yield* queuedIncident(sys.consoleUrl, operator, alarm.resident_id, { timeoutMs: 10_000 })
      expect(incident).toMatchObject({ priority: "P1", deviceEventCount: 1 })
    }))
})
