import { expect, layer } from "@effect/vitest"
import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import { demoDc09Key, demoEncrypts, demoFleet, demoWireDigits } from "@wt/registry/demo"
import { contactIdData, encodeDc09, readDc09Reply } from "@wt/sim-devices/protocols/dc09"
import { queryRequest } from "@wt/sim-devices/protocols/osmand"
import { dispenserDelivery } from "@wt/sim-devices/protocols/webhook"
import { issueMemberToken } from "../support/dispatch.ts"
import { pendantAlarm } from "../support/events.ts"
import { bearer, eventually, postJson, queuedIncident, request } from "../support/http.ts"
import { endsWithCr, tcpExchange } from "../support/sockets.ts"
import { E2ESystem } from "../support/system.ts"

/**
 * No personal data or secret in any log line: IT staff read logs, residents' records are not theirs
 * to read. A scenario through every service, at the
 * most talkative log level, that handles every kind of them: an administrator writes a resident's
 * record and contacts, an operator reads it and dispatches, a responder gets the key-safe code,
 * sign-ins right and wrong, ingest keys right and wrong, an encrypted DC-09 frame, a tracker's
 * position, a signed vendor webhook. Then every line every service logged is searched for them.
 */
const System = E2ESystem.layerWithNatsAnd({ env: { LOG_LEVEL: "debug" } })

const fleet = demoFleet()
/** A demo resident with a key safe and a safety alarm, whose record the administrator rewrites with values found nowhere else. */
const resident = fleet.residents.slice(7).find((r) => r.keyAccess?.kind === "key_safe" && r.devices.some((d) => d.type === "safety_alarm"))!
const alarmId = resident.devices.find((d) => d.type === "safety_alarm")!.id
const home = resident.addresses!.find((a) => a.kind === "home")!
const marker = randomUUID().slice(0, 6)
const secretsOfThisRun = {
  name: `Torvald Loggvik${marker}`,
  street: `Hemmelighetsveien ${marker}`,
  phone: `+47 4${marker.replace(/[^0-9]/g, "7").padEnd(7, "3").slice(0, 7)}`,
  contactName: `Ingrid Sporløs${marker}`,
  keySafeCode: `KS-${marker}-7319`,
  healthNote: `Hjertesvikt, merknad ${marker}`
}

/** Every line of every service, and the values that must be in none of them. */
const findings = (logs: ReadonlyArray<string>, needles: ReadonlyArray<readonly [string, string]>) => {
  const hits: Array<string> = []
  for (const [what, value] of needles) {
    if (value.length < 4) continue
    const line = logs.find((l) => l.includes(value))
    if (line !== undefined) hits.push(`${what} (${JSON.stringify(value)}) in: ${line.slice(0, 300)}`)
  }
  return hits
}

layer(System, { excludeTestServices: true, timeout: "240 seconds" })("no personal data or secret in any service's log", (it) => {
  it.effect("a scenario through records, dispatch with a key-safe code, sign-ins, tokens and every receiver leaves none in the logs", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const wrongPassword = `wrong-pass-${randomUUID()}`
      const wrongKey = `wrong-key-${randomUUID()}`

      // Sign-ins, right and wrong.
      const signIn = (username: string, password: string) => postJson(`${sys.consoleUrl}/api/session`, { username, password })
      expect((yield* signIn("operator", wrongPassword)).status).toBe(401)
      const admin = (yield* signIn("admin", sys.password)).body.token as string
      const operator = (yield* signIn("operator", sys.password)).body.token as string
      expect(admin).toBeTypeOf("string")

      // An administrator writes the resident's record and contacts.
      const put = (path: string, body: unknown) =>
        request(`${sys.consoleUrl}${path}`, { method: "PUT", headers: { "content-type": "application/json", ...bearer(admin) }, body: JSON.stringify(body) })
      const record = {
        tenant: "demo",
        displayName: secretsOfThisRun.name,
        birthYear: resident.birthYear,
        language: resident.language,
        addresses: [{ kind: "home", street: secretsOfThisRun.street, postcode: home.postcode, city: home.city, lat: home.lat, lon: home.lon }],
        healthNotes: [secretsOfThisRun.healthNote],
        mobility: resident.mobility,
        keyAccess: { kind: "key_safe", code: secretsOfThisRun.keySafeCode },
        dementia: resident.dementia,
        ...(resident.gpsLegalBasis === undefined ? {} : { gpsLegalBasis: resident.gpsLegalBasis }),
        ...(resident.geofence === undefined ? {} : { geofence: resident.geofence }),
        responsePlanId: resident.responsePlanId
      }
      const written = yield* put(`/api/admin/residents/${resident.id}`, record)
      expect(written.status, JSON.stringify(written.body)).toBe(204)
      const contacts = yield* put(`/api/admin/residents/${resident.id}/contacts`, {
        contacts: [{ name: secretsOfThisRun.contactName, relation: "daughter", phone: secretsOfThisRun.phone, keyholder: true }]
      })
      expect(contacts.status, JSON.stringify(contacts.body)).toBe(204)

      // Ingest keys, right and wrong; the alarm reaches the queue; the operator reads the record and dispatches.
      expect((yield* postJson(`${sys.ingestUrl}/v1/events`, pendantAlarm(alarmId), bearer(wrongKey))).status).toBe(401)
      expect((yield* postJson(`${sys.ingestUrl}/v1/events`, pendantAlarm(alarmId), bearer(sys.ingestKey))).status).toBe(202)
      const incident = yield* queuedIncident(sys.consoleUrl, operator, resident.id, { timeoutMs: 15_000 })
      expect((yield* postJson(`${sys.consoleUrl}/api/incidents/${incident.incidentId}/claim`, {}, bearer(operator))).status).toBe(200)
      const card = yield* request(`${sys.consoleUrl}/api/residents/${resident.id}?incident=${incident.incidentId}`, { headers: bearer(operator) })
      expect(card.status).toBe(200)
      expect(JSON.stringify(card.body)).toContain(secretsOfThisRun.name)
      const address = { kind: "home", street: secretsOfThisRun.street, postcode: home.postcode, city: home.city, lat: home.lat, lon: home.lon }
      const dispatched = yield* postJson(`${sys.consoleUrl}/api/incidents/${incident.incidentId}/dispatch`, { address, reason: "pendant pressed, no answer" }, bearer(operator))
      expect(dispatched.status, JSON.stringify(dispatched.body)).toBe(200)

      // The offered team's responder (a phone an administrator issued) accepts and is given the key-safe code.
      const offer = yield* eventually(
        Effect.map(request(`${sys.consoleUrl}/api/incidents/${incident.incidentId}`, { headers: bearer(operator) }), (a) =>
          a.body?.handover?.team?.id !== undefined ? a.body.handover as { team: { id: string }; offerNo: number } : undefined),
        30_000,
        200
      )
      const responder = yield* issueMemberToken(sys.databaseUrl, offer.team.id)
      const responderUrl = `${sys.services.dispatch.url}/v1/responder/incidents/${incident.incidentId}`
      const accepted = yield* postJson(`${responderUrl}/accept`, { offerNo: offer.offerNo, etaMinutes: 5 }, bearer(responder))
      expect(accepted.status, JSON.stringify(accepted.body)).toBe(200)
      expect(accepted.body.access).toEqual({ kind: "key_safe", code: secretsOfThisRun.keySafeCode })
      expect((yield* postJson(`${responderUrl}/on-site`, { lat: home.lat, lon: home.lon }, bearer(responder))).status).toBe(200)
      expect((yield* postJson(`${responderUrl}/complete`, { outcome: "ok" }, bearer(responder))).status).toBe(200)
      expect((yield* request(`${sys.services.dispatch.url}/v1/responder/me`, { headers: bearer(`rsp_${randomUUID()}`) })).status).toBe(401)

      // The receivers: an encrypted DC-09 frame, a tracker's position, a signed vendor webhook (and a forged one).
      const unit = fleet.residents.flatMap((r) => r.devices).find((d) => d.type === "safety_alarm" && demoEncrypts(demoWireDigits("1", d)!))!
      const account = demoWireDigits("1", unit)!
      const dc09Key = demoDc09Key(sys.dc09KeySecret, account)
      const frame = { type: "ADM-CID" as const, sequence: 77, line: "1", account, timestamp: new Date(), key: new Uint8Array(Buffer.from(dc09Key, "hex")), data: contactIdData(account, { qualifier: 1, code: "101" }) }
      const reply = readDc09Reply(new Uint8Array(yield* tcpExchange(sys.protocolPorts.dc09, encodeDc09(frame), { complete: endsWithCr })), frame.key)
      expect(reply).toMatchObject({ kind: "ACK" })
      const tracker = fleet.residents.flatMap((r) => r.devices).find((d) => d.type === "gps")!
      const position = queryRequest({ deviceId: demoWireDigits("1", tracker)!, epochMs: Date.now(), lat: 69.14321, lon: 17.41234 })
      expect((yield* request(`http://127.0.0.1:${sys.protocolPorts.osmand}${position.url}`)).status).toBe(200)
      const dispenser = fleet.residents.flatMap((r) => r.devices).find((d) => d.type === "medication")!
      const delivery = dispenserDelivery([{ transactionId: randomUUID(), serial: demoWireDigits("1", dispenser)!, measurement: "medicine_taken", atMs: Date.now() - 1000 }], sys.webhookSecrets["demo-dispenser"], Date.now())
      expect((yield* request(`${sys.ingestUrl}${delivery.path}`, { method: "POST", headers: delivery.headers, body: delivery.body })).status).toBe(200)
      const forged = dispenserDelivery([{ transactionId: randomUUID(), serial: demoWireDigits("1", dispenser)!, measurement: "medicine_taken", atMs: Date.now() }], `forged-${randomUUID()}`, Date.now())
      expect((yield* request(`${sys.ingestUrl}${forged.path}`, { method: "POST", headers: forged.headers, body: forged.body })).status).toBe(401)

      // Refusals, where a value most easily slips into a log line: a record that does not check, an event
      // that does not, a tracker's impossible report, an unknown tracker.
      const badRecord = yield* put(`/api/admin/residents/${resident.id}`, { ...record, language: "Norsk bokmål", birthYear: 1800 })
      expect(badRecord.status).toBe(400)
      const badContacts = yield* put(`/api/admin/residents/${resident.id}/contacts`, { contacts: [{ name: secretsOfThisRun.contactName, relation: "", phone: secretsOfThisRun.phone, keyholder: "yes" }] })
      expect(badContacts.status).toBe(400)
      const badEvent = { ...pendantAlarm(tracker.id), type: "gps", payload: { lat: 69.14321, lon: 17.41234, accuracyM: "ten metres" } }
      expect((yield* postJson(`${sys.ingestUrl}/v1/events`, badEvent, bearer(sys.ingestKey))).status).toBe(400)
      expect((yield* request(`http://127.0.0.1:${sys.protocolPorts.osmand}/?id=${demoWireDigits("1", tracker)}&lat=123.4&lon=17.41234&timestamp=${Math.floor(Date.now() / 1000)}`)).status).toBe(200)
      expect((yield* request(`http://127.0.0.1:${sys.protocolPorts.osmand}/?id=999999999999&lat=69.14321&lon=17.41234`)).status).toBe(400)
      const badSignIn = yield* postJson(`${sys.consoleUrl}/api/session`, { username: secretsOfThisRun.name, password: [wrongPassword] })
      expect(badSignIn.status).toBe(400)

      // Let the services log what follows from all that (projections, audit, supervision).
      yield* Effect.sleep("3 seconds")
      expect(sys.logs.length).toBeGreaterThan(50)

      const people = fleet.residents.flatMap((r) => [
        [`name of ${r.id}`, r.displayName] as const,
        ...(r.addresses ?? []).map((a) => [`street of ${r.id}`, a.street] as const),
        ...(r.healthNotes ?? []).map((n) => [`health note of ${r.id}`, n] as const),
        ...(r.contacts ?? []).flatMap((c) => [[`contact of ${r.id}`, c.name] as const, [`phone of a contact of ${r.id}`, c.phone] as const, [`phone of ${r.id}'s contact, digits`, c.phone.replace(/\D/g, "")] as const]),
        ...(r.keyAccess?.kind === "key_safe" ? [[`key-safe code of ${r.id}`, `"${r.keyAccess.code}"`] as const] : [])
      ])
      const needles: Array<readonly [string, string]> = [
        ...Object.entries(secretsOfThisRun).map(([what, value]) => [`the rewritten resident's ${what}`, value] as const),
        ["the demo users' password", sys.password],
        ["a wrong password", wrongPassword],
        ["the ingest key", sys.ingestKey],
        ["a wrong ingest key", wrongKey],
        ["the admin's session token", admin],
        ["the operator's session token", operator],
        ["a responder token", responder],
        ["the DC-09 key secret", sys.dc09KeySecret],
        ["a DC-09 key", dc09Key],
        ...Object.entries(sys.webhookSecrets).map(([vendor, secret]) => [`the webhook secret of ${vendor}`, secret] as const),
        ["a tracker's latitude", "69.14321"],
        ["a tracker's longitude", "17.41234"],
        ...people
      ]
      // The search itself finds what it looks for.
      expect(findings([`console | {"msg":"x ${secretsOfThisRun.keySafeCode} y"}`], needles)).toHaveLength(1)
      expect(findings(sys.logs, needles)).toEqual([])
    }))
})
