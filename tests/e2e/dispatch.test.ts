import { createHash, createHmac } from "node:crypto"
import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { type ConfirmedAddress, type IncidentEvent, Streams, Subjects, type TriageDecision } from "@wt/contracts"
import { IncidentStore } from "@wt/incident-store"
import { readSubject } from "@wt/nats"
import { demoFleet } from "@wt/registry/demo"
import { demoResponderDevices, type ResponderStats, runResponderSimulation } from "@wt/sim-responders"
import { contactToken, DispatchRig, deviceEvent, eventsOf, fallDecision, memberToken, pickResident, smokeDecision, waitForState } from "../support/dispatch.ts"
import { eventually, postJson, request } from "../support/http.ts"

const kari = { kind: "operator" as const, id: "user-operator", name: "Demo Operator" }
const at = () => new Date().toISOString()
let seq = 0

/** Plan handover settings for one plan, compressed for tests. */
const setPlan = (plan: string, settings: Record<string, unknown>) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`UPDATE response_plans SET handover = ${JSON.stringify(settings)}::jsonb WHERE tenant = 'demo' AND id = ${plan}`
  })

const addressOf = (r: { street: string; postcode: string; city: string; lat: number; lon: number }): ConfirmedAddress => ({
  kind: "home",
  street: r.street,
  postcode: r.postcode,
  city: r.city,
  lat: r.lat,
  lon: r.lon
})

/** An incident as triage opens it, claimed by an operator; with `request`, the operator asks for a call-out to the confirmed address. */
const openIncident = (resident: { id: string; device_id: string }, decision: TriageDecision, options: { readonly claim?: boolean; readonly request?: ConfirmedAddress } = {}) =>
  Effect.gen(function*() {
    const store = yield* IncidentStore
    const incidentId = `inc-d-${Date.now().toString(36)}-${seq++}`
    yield* store.execute("demo", incidentId, {
      type: "open_incident",
      at: at(),
      incidentId,
      tenant: "demo",
      residentId: resident.id,
      decision,
      deviceEvent: deviceEvent(`evt-${incidentId}`, resident.device_id, decision.fireService ? "smoke" : "fall")
    })
    if (options.claim !== false) yield* store.execute("demo", incidentId, { type: "claim", at: at(), by: kari })
    if (options.request !== undefined) {
      yield* store.execute("demo", incidentId, { type: "request_handover", at: at(), by: kari, reason: "fall, cannot get up", address: options.request })
    }
    return incidentId
  })

const responderUrl = (path: string) => DispatchRig.useSync((r) => `${r.dispatch.url}${path}`)
const asResponder = (token: string, path: string, body: unknown = {}) =>
  Effect.flatMap(responderUrl(path), (url) => postJson(url, body, { authorization: `Bearer ${token}` }))

const types = (events: ReadonlyArray<IncidentEvent>) => events.map((e) => e.type)

/** Audit entries of one kind about one incident, as stored in WT_AUDIT. */
const auditOf = (kind: string, incidentId: string) =>
  Effect.map(readSubject("WT_AUDIT", `wt.audit.demo.${kind}`), (ms) =>
    ms.map((m) => JSON.parse(new TextDecoder().decode(m.data))).filter((e) => e.subject.incidentId === incidentId))

const whoAmI = (token: string) => Effect.flatMap(responderUrl("/v1/responder/me"), (url) => request(url, { headers: { authorization: `Bearer ${token}` } }))

layer(DispatchRig.layerWithClients(), { excludeTestServices: true, timeout: "240 seconds" })("dispatch against real NATS and PostgreSQL", (it) => {
  it.effect("a fall is offered with the confirmed address and critical notes, accepted, driven to, reached and completed", () =>
    Effect.gen(function*() {
      yield* setPlan("plan-standard", { offerS: 20, startS: 60, arrivalGraceS: 120, visitS: 300, radiusM: 75 })
      const [resident] = yield* pickResident({ plan: "plan-standard" })
      const rig = yield* DispatchRig
      const address = addressOf(resident!)
      const incidentId = yield* openIncident(resident!, fallDecision, { request: address })
      const offered = yield* waitForState(incidentId, (s) => s.handover?.stage === "offered")
      const team = offered.handover!.team!.id
      const token = memberToken(rig.responderTokens, team)

      // The team's phone sees the offer with everything needed to act on it.
      const offers = yield* Effect.flatMap(responderUrl("/v1/responder/offers"), (url) => request(url, { headers: { authorization: `Bearer ${token}` } }))
      const offer = offers.body.offers.find((o: any) => o.incidentId === incidentId)
      expect(offer).toMatchObject({ offerNo: 1, address, reason: "fall, cannot get up", step: "offer" })
      expect(Array.isArray(offer.criticalNotes)).toBe(true)

      const accepted = yield* asResponder(token, `/v1/responder/incidents/${incidentId}/accept`, { offerNo: 1, etaMinutes: 7 })
      expect(accepted.status).toBe(200)
      expect(accepted.body.stage).toBe("accepted")
      const owned = yield* waitForState(incidentId, (s) => s.status === "responder_assigned")
      expect(owned.owner).toMatchObject({ kind: "team", id: team })

      expect((yield* asResponder(token, `/v1/responder/incidents/${incidentId}/en-route`)).status).toBe(200)
      const onSite = yield* asResponder(token, `/v1/responder/incidents/${incidentId}/on-site`, { lat: address.lat + 0.0001, lon: address.lon })
      expect(onSite.status).toBe(200)
      expect(onSite.body.stage).toBe("on_site")
      const done = yield* asResponder(token, `/v1/responder/incidents/${incidentId}/complete`, { outcome: "helped up, no injury" })
      expect(done.status).toBe(200)

      const events = yield* eventsOf(incidentId)
      expect(types(events)).toEqual([
        "incident_opened",
        "incident_claimed",
        "handover_requested",
        "handover_offered",
        "handover_accepted",
        "responder_en_route",
        "responder_on_site",
        "handover_completed"
      ])
      const arrived = events.find((e) => e.type === "responder_on_site")
      expect(arrived?.type === "responder_on_site" && arrived.atConfirmedAddress).toBe(true)
      const final = yield* waitForState(incidentId, (s) => s.handover?.stage === "completed")
      expect(final.owner).toMatchObject({ kind: "operator", id: kari.id })

      // A phone of another team cannot take it, and a stranger is turned away.
      const other = memberToken(rig.responderTokens, team === "team-sor" ? "team-nord" : "team-sor")
      expect((yield* asResponder(other, `/v1/responder/incidents/${incidentId}/accept`, { offerNo: 1, etaMinutes: 1 })).status).toBe(409)
      expect((yield* asResponder("rsp_nobody", `/v1/responder/incidents/${incidentId}/accept`, { offerNo: 1, etaMinutes: 1 })).status).toBe(401)
    }))

  it.effect("a responder request the API cannot read is answered 400 and kept in WT_DLQ with its exact bytes", () =>
    Effect.gen(function*() {
      const [resident] = yield* pickResident({ plan: "plan-standard" })
      const rig = yield* DispatchRig
      const incidentId = yield* openIncident(resident!, fallDecision, { request: addressOf(resident!) })
      const offered = yield* waitForState(incidentId, (s) => s.handover?.stage === "offered")
      const token = memberToken(rig.responderTokens, offered.handover!.team!.id)
      const url = yield* responderUrl(`/v1/responder/incidents/${incidentId}/accept`)
      const garbled = `{"offerNo": 1, "etaMinutes": ${incidentId}`
      const notJson = yield* request(url, { method: "POST", body: garbled, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } })
      expect(notJson.status).toBe(400)
      const wrongField = yield* asResponder(token, `/v1/responder/incidents/${incidentId}/accept`, { offerNo: 1, etaMinutes: "soon", tag: incidentId })
      expect(wrongField.status).toBe(400)
      expect(wrongField.body.error).toContain("etaMinutes")

      const letters = yield* readSubject(Streams.deadLetter, Subjects.deadLetter("dispatch"))
      const mine = letters
        .map((m) => JSON.parse(new TextDecoder().decode(m.data)))
        .map((l) => ({ ...l, raw: Buffer.from(l.rawBase64, "base64").toString("utf8") }))
        .filter((l) => l.raw.includes(incidentId))
      expect(mine.map((l) => l.raw).sort()).toEqual([garbled, JSON.stringify({ offerNo: 1, etaMinutes: "soon", tag: incidentId })].sort())
      expect(mine.every((l) => l.tenant === "demo" && l.reason.length > 0)).toBe(true)
      // Refused requests change nothing: the offer still waits for a readable answer.
      expect((yield* waitForState(incidentId, (s) => s.handover?.stage === "offered")).handover?.offerNo).toBe(1)
    }))

  it.effect("e-lock: accepting grants the assigned responder the resident's lock for the call-out only; grant, uses and revocation are audited", () =>
    Effect.gen(function*() {
      yield* setPlan("plan-standard", { offerS: 20 })
      yield* setPlan("plan-dementia", { offerS: 20 })
      const residents = [...(yield* pickResident({ plan: "plan-standard", keyAccess: "e_lock" })), ...(yield* pickResident({ plan: "plan-dementia", keyAccess: "e_lock" }))]
      const resident = residents[0]
      expect(resident).toBeDefined()
      const rig = yield* DispatchRig
      const incidentId = yield* openIncident(resident!, fallDecision, { request: addressOf(resident!) })
      const offered = yield* waitForState(incidentId, (s) => s.handover?.stage === "offered")
      expect(offered.handover!.access!.kind).toBe("e_lock")
      const team = offered.handover!.team!.id
      const token = memberToken(rig.responderTokens, team)
      const colleague = memberToken(rig.responderTokens, team, 2)
      const unlock = (t: string) => asResponder(t, `/v1/responder/incidents/${incidentId}/unlock`)

      expect((yield* unlock(token)).status).toBe(403) // not accepted yet
      yield* asResponder(token, `/v1/responder/incidents/${incidentId}/accept`, { offerNo: 1, etaMinutes: 5 })
      const opened = yield* eventually(Effect.map(unlock(token), (a) => (a.status === 200 ? a : undefined)), 5000, 100)
      expect(opened.body).toMatchObject({ opened: true, lockId: offered.handover!.access!.lockId })
      expect((yield* unlock(colleague)).status).toBe(403) // the grant is for the assigned responder only

      yield* asResponder(token, `/v1/responder/incidents/${incidentId}/on-site`, { lat: resident!.lat, lon: resident!.lon })
      yield* asResponder(token, `/v1/responder/incidents/${incidentId}/complete`, { outcome: "ok" })
      yield* eventually(Effect.map(unlock(token), (a) => (a.status === 403 ? a : undefined)), 8000, 250)

      const audit = yield* Effect.map(readSubject("WT_AUDIT", "wt.audit.demo.elock_access"), (ms) =>
        ms.map((m) => JSON.parse(new TextDecoder().decode(m.data))).filter((e) => e.subject.incidentId === incidentId))
      const kindOf = (id: string) => ["use-denied", "grant", "revoke", "use"].find((k) => id.startsWith(`elock-${k}-`))
      const count = (k: string) => audit.filter((e: any) => kindOf(String(e.id)) === k).length
      expect([count("grant"), count("use"), count("revoke")]).toEqual([1, 1, 1])
      // Grant and revocation are dispatch's acts; the opening is the responder's, under their name.
      const use = audit.find((e: any) => kindOf(String(e.id)) === "use")
      expect(use.actor).toMatchObject({ kind: "responder", id: `${team}-m1` })
      expect(typeof use.actor.name).toBe("string")
      expect(audit.find((e: any) => kindOf(String(e.id)) === "grant").actor).toEqual({ kind: "service", id: "dispatch" })
      // Refused before acceptance, to the colleague, and after completion: each refusal audited too.
      expect(count("use-denied")).toBeGreaterThanOrEqual(3)
    }))

  it.effect("responder tokens are random and kept only as hashes: a token made the old way, an HMAC of the ingest key, is refused", () =>
    Effect.gen(function*() {
      const rig = yield* DispatchRig
      const sql = yield* SqlClient.SqlClient
      // How demo tokens used to be made: whoever held the ingest key could act as any responder.
      const hmacOfIngestKey = (device: string) =>
        `rsp_demo_${createHmac("sha256", rig.ingestKey).update(`responder:${device}`).digest("base64url").slice(0, 32)}`
      const [resident] = yield* pickResident({ plan: "plan-dementia", minContacts: 1 })
      for (const device of ["member:team-sentrum-1-m1", "member:team-nord-m2", `contact:${resident!.id}:1`]) {
        expect((yield* whoAmI(hmacOfIngestKey(device))).status).toBe(401)
      }
      // The token the demo seed issued to the same phone works.
      const issued = yield* whoAmI(memberToken(rig.responderTokens, "team-sentrum-1"))
      expect(issued.status).toBe(200)
      expect(issued.body).toMatchObject({ kind: "member", tenant: "demo", id: "team-sentrum-1-m1", teamId: "team-sentrum-1" })

      const tokens = Object.values(rig.responderTokens)
      expect(new Set(tokens).size).toBe(tokens.length)
      for (const t of tokens) expect(Buffer.from(t.replace(/^rsp_/, ""), "base64url").length).toBeGreaterThanOrEqual(16)
      const rows = yield* sql<{ token_hash: string; origin: string }>`SELECT token_hash, origin FROM responder_devices WHERE tenant = 'demo'`
      const sha256 = (t: string) => createHash("sha256").update(t, "utf8").digest("hex")
      expect(rows.map((r) => r.token_hash).sort()).toEqual(tokens.map(sha256).sort())
      expect(rows.every((r) => r.origin === "demo")).toBe(true)
      // The neighbour tenant, seeded without the demo's responders, has no responder device at all.
      const [north] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM responder_devices WHERE tenant = 'north'`
      expect(north!.n).toBe(0)
    }))

  it.effect("key safe: the code goes to the responder holding the live call-out, each release audited under their name; an accept after the call-out ended gets 409 and no code", () =>
    Effect.gen(function*() {
      yield* setPlan("plan-standard", { offerS: 20, startS: 60, arrivalGraceS: 120, visitS: 300, radiusM: 75 })
      const residents = yield* pickResident({ plan: "plan-standard", keyAccess: "key_safe" })
      const resident = residents.at(-1)
      expect(resident).toBeDefined()
      const rig = yield* DispatchRig
      const sql = yield* SqlClient.SqlClient
      // The code the demo seeded for this resident; the registry holds it only sealed.
      const seeded = demoFleet({ residents: 40 }).residents.find((r) => r.id === resident!.id)!.keyAccess
      const record = { code: seeded.kind === "key_safe" ? seeded.code : undefined }
      const [stored] = yield* sql<{ key_access: unknown }>`SELECT key_access FROM residents WHERE tenant = 'demo' AND id = ${resident!.id}`
      expect(JSON.stringify(stored!.key_access)).not.toContain(`"${record.code}"`)
      const incidentId = yield* openIncident(resident!, fallDecision, { request: addressOf(resident!) })
      const offered = yield* waitForState(incidentId, (s) => s.handover?.stage === "offered")
      expect(offered.handover!.access).toEqual({ kind: "key_safe" })
      const team = offered.handover!.team!.id
      const token = memberToken(rig.responderTokens, team)
      const accept = () => asResponder(token, `/v1/responder/incidents/${incidentId}/accept`, { offerNo: 1, etaMinutes: 5 })

      const first = yield* accept()
      expect(first.status).toBe(200)
      expect(first.body.access).toEqual({ kind: "key_safe", code: record!.code })
      // The same responder's accept again while the call-out is under way (the first answer lost on the way): the code again, audited again.
      const retried = yield* accept()
      expect(retried.status).toBe(200)
      expect(retried.body.access).toEqual({ kind: "key_safe", code: record!.code })

      expect((yield* asResponder(token, `/v1/responder/incidents/${incidentId}/on-site`, { lat: resident!.lat, lon: resident!.lon })).status).toBe(200)
      expect((yield* asResponder(token, `/v1/responder/incidents/${incidentId}/complete`, { outcome: "ok" })).status).toBe(200)
      const late = yield* accept()
      expect(late.status).toBe(409)
      expect(late.body.error).toContain("completed")
      expect(late.body.access).toBeUndefined()
      expect(late.body.code).toBeUndefined()

      // Each release is an entry of its own, stored before the answer, under the responder's name; the code itself is in none.
      const releases = (yield* auditOf("record_view", incidentId)).filter((e: any) => String(e.summary).includes("key-safe"))
      expect(releases.map((e: any) => [e.actor.kind, e.actor.id, typeof e.actor.name, e.data.repeated])).toEqual([
        ["responder", `${team}-m1`, "string", false],
        ["responder", `${team}-m1`, "string", true]
      ])
      expect(new Set(releases.map((e: any) => e.id)).size).toBe(2)
      expect(releases.every((e: any) => !("code" in e.data))).toBe(true)
    }))

  it.effect("key safe: an accept after the operator cancelled the call-out gets 409 and no code", () =>
    Effect.gen(function*() {
      yield* setPlan("plan-standard", { offerS: 20 })
      const residents = yield* pickResident({ plan: "plan-standard", keyAccess: "key_safe" })
      const resident = residents.at(-2) ?? residents[0]
      const rig = yield* DispatchRig
      const store = yield* IncidentStore
      const incidentId = yield* openIncident(resident!, fallDecision, { request: addressOf(resident!) })
      const offered = yield* waitForState(incidentId, (s) => s.handover?.stage === "offered")
      const token = memberToken(rig.responderTokens, offered.handover!.team!.id)
      const accept = () => asResponder(token, `/v1/responder/incidents/${incidentId}/accept`, { offerNo: 1, etaMinutes: 5 })
      expect((yield* accept()).body.access.kind).toBe("key_safe")
      yield* store.execute("demo", incidentId, { type: "cancel_handover", at: at(), by: kari, reason: "the resident's daughter is there" })
      const late = yield* accept()
      expect(late.status).toBe(409)
      expect(late.body.error).toContain("cancelled")
      expect(late.body.access).toBeUndefined()
      const releases = (yield* auditOf("record_view", incidentId)).filter((e: any) => e.actor.kind === "responder")
      expect(releases).toHaveLength(1)
    }))

  it.effect("e-lock ids are the tenant's own: a record naming another tenant's lock gets no grant, and that lock cannot be opened", () =>
    Effect.gen(function*() {
      yield* setPlan("plan-standard", { offerS: 20 })
      const sql = yield* SqlClient.SqlClient
      const [foreign] = yield* sql<{ id: string }>`SELECT id FROM devices WHERE tenant = 'north' AND sensor = 'e_lock' ORDER BY id LIMIT 1`
      expect(foreign).toBeDefined()
      // A demo resident whose record (mistyped, or edited by someone who should not) names north's lock.
      const resident = (yield* pickResident({ plan: "plan-standard", keyAccess: "none" })).at(-1)
      yield* sql`UPDATE residents SET key_access = ${JSON.stringify({ kind: "e_lock", lockId: foreign!.id })}::jsonb WHERE tenant = 'demo' AND id = ${resident!.id}`
      const rig = yield* DispatchRig
      const incidentId = yield* openIncident(resident!, fallDecision, { request: addressOf(resident!) })
      const offered = yield* waitForState(incidentId, (s) => s.handover?.stage === "offered")
      expect(offered.handover!.access).toEqual({ kind: "e_lock", lockId: foreign!.id })
      const token = memberToken(rig.responderTokens, offered.handover!.team!.id)
      expect((yield* asResponder(token, `/v1/responder/incidents/${incidentId}/accept`, { offerNo: 1, etaMinutes: 5 })).status).toBe(200)
      // Dispatch settles a grant within a tick (100 ms here): ten ticks on, the lock must still be shut.
      yield* Effect.sleep("1 second")
      for (let i = 0; i < 5; i++) {
        const unlock = yield* asResponder(token, `/v1/responder/incidents/${incidentId}/unlock`)
        expect(unlock.status).toBe(403)
        yield* Effect.sleep("200 millis")
      }
      const refused = (yield* auditOf("elock_access", incidentId)).filter((e: any) => String(e.id).startsWith("elock-no-grant-"))
      expect(refused).toHaveLength(1)
      expect(refused[0]).toMatchObject({ actor: { kind: "service", id: "dispatch" }, data: { lockId: foreign!.id } })
      const grants = yield* sql<{ id: string }>`SELECT id FROM elock_grants WHERE incident_id = ${incidentId}`
      expect(grants).toEqual([])
      const denied = (yield* auditOf("elock_access", incidentId)).filter((e: any) => String(e.id).startsWith("elock-use-denied-"))
      expect(denied.length).toBe(5)
      expect(denied.every((e: any) => e.actor.kind === "responder" && e.actor.id === `${offered.handover!.team!.id}-m1`)).toBe(true)
    }))

  it.effect("a team that does not answer: the offer times out once at its deadline and goes to another team", () =>
    Effect.gen(function*() {
      yield* setPlan("plan-standard", { offerS: 2, startS: 60, arrivalGraceS: 120, visitS: 300 })
      const [resident] = yield* pickResident({ plan: "plan-standard" })
      const incidentId = yield* openIncident(resident!, fallDecision, { request: addressOf(resident!) })
      const first = yield* waitForState(incidentId, (s) => s.handover?.stage === "offered")
      const second = yield* waitForState(incidentId, (s) => s.handover?.stage === "offered" && s.handover.offerNo === 2, 10_000)
      expect(second.handover!.team!.id).not.toBe(first.handover!.team!.id)
      expect(second.handover!.tried).toEqual([first.handover!.team!.id])

      const events = yield* eventsOf(incidentId)
      const timedOut = events.filter((e) => e.type === "handover_timed_out")
      expect(timedOut).toHaveLength(1)
      const t = timedOut[0]!
      expect(t.type === "handover_timed_out" && [t.step, t.offerNo]).toEqual(["offer", 1])
      // Fired at the deadline, not before it, and promptly after it.
      const late = Date.parse(t.at) - Date.parse(first.handover!.deadline!)
      expect(late).toBeGreaterThanOrEqual(0)
      expect(late).toBeLessThan(2000)
    }))

  it.effect("an arrival at the wrong address (the resident's old one) is flagged at once", () =>
    Effect.gen(function*() {
      yield* setPlan("plan-standard", { offerS: 20, radiusM: 75 })
      const [resident] = yield* pickResident({ plan: "plan-standard" })
      const rig = yield* DispatchRig
      const address = addressOf(resident!)
      const incidentId = yield* openIncident(resident!, fallDecision, { request: address })
      const offered = yield* waitForState(incidentId, (s) => s.handover?.stage === "offered")
      const token = memberToken(rig.responderTokens, offered.handover!.team!.id)
      yield* asResponder(token, `/v1/responder/incidents/${incidentId}/accept`, { offerNo: 1, etaMinutes: 5 })
      const wrong = yield* asResponder(token, `/v1/responder/incidents/${incidentId}/on-site`, { lat: address.lat + 0.02, lon: address.lon + 0.02 })
      expect(wrong.status).toBe(200)
      const state = yield* waitForState(incidentId, (s) => s.handover?.stage === "on_site")
      expect(state.handover!.onSite!.atConfirmedAddress).toBe(false)
      expect(state.handover!.onSite!.distanceM).toBeGreaterThan(1000)
      const flagged = (yield* eventsOf(incidentId)).find((e) => e.type === "responder_on_site")
      expect(flagged?.type === "responder_on_site" && [flagged.atConfirmedAddress, flagged.radiusM]).toEqual([false, 75])
    }))

  it.effect("a fire goes to the fire service at once, with the address and mobility, before any home-care offer", () =>
    Effect.gen(function*() {
      yield* setPlan("plan-standard", { offerS: 20 })
      const [resident] = yield* pickResident({ plan: "plan-standard" })
      // Unclaimed: nobody has to act for the fire service to be alerted.
      const incidentId = yield* openIncident(resident!, smokeDecision, { claim: false })
      const alerted = yield* waitForState(incidentId, (s) => (s.agencies ?? []).includes("110"))
      expect(alerted.status).toBe("open")
      const store = yield* IncidentStore
      yield* store.execute("demo", incidentId, { type: "claim", at: at(), by: kari })
      yield* store.execute("demo", incidentId, { type: "request_handover", at: at(), by: kari, reason: "smoke, resident inside", address: addressOf(resident!) })
      yield* waitForState(incidentId, (s) => s.handover?.stage === "offered")
      const events = types(yield* eventsOf(incidentId))
      expect(events.indexOf("agency_notified")).toBeGreaterThan(-1)
      expect(events.indexOf("agency_notified")).toBeLessThan(events.indexOf("handover_offered"))
      expect(events.filter((t) => t === "agency_notified")).toHaveLength(1)

      const alerts = yield* readSubject("WT_AGENCY", "wt.agency.demo.110")
      const alert = alerts.map((m) => JSON.parse(new TextDecoder().decode(m.data))).find((a) => a.incidentId === incidentId)
      expect(alert).toMatchObject({ agency: "110", address: { lat: resident!.lat, lon: resident!.lon }, alarmType: "sensor:smoke" })
      expect(typeof alert.mobility).toBe("string")
    }))

  it.effect("next-of-kin cascade: the first two contacts do not answer, the third accepts", () =>
    Effect.gen(function*() {
      yield* setPlan("plan-dementia", { offerS: 30, contactCascade: true, contactTimeoutS: 2 })
      const residents = yield* pickResident({ plan: "plan-dementia", minContacts: 3 })
      const resident = residents[0]
      expect(resident).toBeDefined()
      const rig = yield* DispatchRig
      const incidentId = yield* openIncident(resident!, fallDecision, { request: addressOf(resident!) })
      yield* waitForState(incidentId, (s) => s.cascade?.calling === true && s.cascade.contacts[s.cascade.current]?.position === 3, 15_000)
      const third = contactToken(rig.responderTokens, resident!.id, 3)
      const calls = yield* Effect.flatMap(responderUrl("/v1/responder/offers"), (url) => request(url, { headers: { authorization: `Bearer ${third}` } }))
      expect(calls.body.calls.map((c: any) => c.incidentId)).toContain(incidentId)
      // The first contact answering now is too late.
      const first = contactToken(rig.responderTokens, resident!.id, 1)
      expect((yield* asResponder(first, `/v1/responder/incidents/${incidentId}/answer`, { accepted: true })).status).toBe(409)
      const answered = yield* asResponder(third, `/v1/responder/incidents/${incidentId}/answer`, { accepted: true })
      expect(answered.status).toBe(200)
      const events = (yield* eventsOf(incidentId)).filter((e) => e.type.startsWith("contact_"))
      expect(events.map((e) => [e.type, "position" in e ? e.position : undefined])).toEqual([
        ["contact_cascade_started", undefined],
        ["contact_called", 1],
        ["contact_call_timed_out", 1],
        ["contact_called", 2],
        ["contact_call_timed_out", 2],
        ["contact_called", 3],
        ["contact_answered", 3]
      ])
    }))

  it.effect("next-of-kin cascade: cancelling the call-out stops the calls; no contact is called after it", () =>
    Effect.gen(function*() {
      yield* setPlan("plan-dementia", { offerS: 30, contactCascade: true, contactTimeoutS: 2 })
      const residents = yield* pickResident({ plan: "plan-dementia", minContacts: 3 })
      const resident = residents[1] ?? residents[0]
      expect(resident).toBeDefined()
      const rig = yield* DispatchRig
      const store = yield* IncidentStore
      const incidentId = yield* openIncident(resident!, fallDecision, { request: addressOf(resident!) })
      yield* waitForState(incidentId, (s) => s.cascade?.calling === true, 15_000)
      yield* store.execute("demo", incidentId, { type: "cancel_handover", at: at(), by: kari, reason: "the resident answered the phone: fine" })
      // Past two more call timeouts (2 s each): a cascade still running would have called the next contacts by now.
      yield* Effect.sleep("5 seconds")
      const events = (yield* eventsOf(incidentId)).filter((e) => e.type.startsWith("contact_"))
      expect(events.at(-1)).toMatchObject({ type: "contact_cascade_ended", outcome: "cancelled" })
      expect(events.filter((e) => e.type === "contact_called").length).toBeLessThanOrEqual(2)
      expect(events.findIndex((e) => e.type === "contact_cascade_ended")).toBe(events.length - 1)
      const third = contactToken(rig.responderTokens, resident!.id, 3)
      const calls = yield* Effect.flatMap(responderUrl("/v1/responder/offers"), (url) => request(url, { headers: { authorization: `Bearer ${third}` } }))
      expect(calls.body.calls.map((c: any) => c.incidentId)).not.toContain(incidentId)
    }))

  it.effect("simulated responder teams carry 20 call-outs through: accepted ones completed, rejected and unanswered ones re-offered", () =>
    Effect.gen(function*() {
      yield* setPlan("plan-standard", { offerS: 8, startS: 30, arrivalGraceS: 30, visitS: 60 })
      const rig = yield* DispatchRig
      const residents = yield* pickResident({ plan: "plan-standard" })
      const stats: ResponderStats = { offersSeen: 0, accepted: 0, rejected: 0, ignored: 0, completed: 0, contactAnswers: 0, errors: 0 }
      const devices = demoResponderDevices(rig.responderTokens)
      yield* Effect.forkScoped(runResponderSimulation({
        url: rig.dispatch.url,
        members: devices.members,
        seed: 7,
        pollMs: 200,
        behaviour: { acceptShare: 0.7, rejectShare: 0.15, wrongAddressShare: 0, msPerMinute: 100 }
      }, stats))
      const ids = yield* Effect.forEach(residents.slice(0, 20), (r) => openIncident(r, fallDecision, { request: addressOf(r) }))
      const finals = yield* Effect.forEach(ids, (id) => waitForState(id, (s) => s.handover?.stage === "completed" || s.handover?.stage === "returned", 60_000))
      const completed = finals.filter((s) => s.handover!.stage === "completed")
      expect(completed.length).toBeGreaterThan(10)
      expect(completed.every((s) => s.handover!.onSite?.atConfirmedAddress === true)).toBe(true)
      expect(stats.completed).toBeGreaterThanOrEqual(completed.length)
      expect(stats.rejected + stats.ignored).toBeGreaterThan(0)
    }))

  it.effect("SIGKILL dispatch during an open offer and restart: its timeout fires exactly once", () =>
    Effect.gen(function*() {
      yield* setPlan("plan-standard", { offerS: 3 })
      const rig = yield* DispatchRig
      const [resident] = yield* pickResident({ plan: "plan-standard" })
      const incidentId = yield* openIncident(resident!, fallDecision, { request: addressOf(resident!) })
      const offered = yield* waitForState(incidentId, (s) => s.handover?.stage === "offered")
      yield* rig.dispatch.kill("SIGKILL")
      // The deadline passes while no dispatch runs.
      yield* Effect.sleep(Math.max(0, Date.parse(offered.handover!.deadline!) - Date.now()) + 500)
      yield* rig.dispatch.restart
      yield* waitForState(incidentId, (s) => s.handover!.offerNo >= 2, 10_000)
      // Long enough for a second firing, if there were one.
      yield* Effect.sleep("1500 millis")
      const timedOut = (yield* eventsOf(incidentId)).filter((e) => e.type === "handover_timed_out" && e.offerNo === 1)
      expect(timedOut).toHaveLength(1)
    }))

  it.effect("two dispatch copies on one stream and 1,000 incidents: no incident is offered twice", () =>
    Effect.gen(function*() {
      yield* setPlan("plan-standard", { offerS: 600 })
      yield* setPlan("plan-dementia", { offerS: 600 })
      const rig = yield* DispatchRig
      const copy = yield* rig.startCopy
      const residents = [...(yield* pickResident({ plan: "plan-standard" })), ...(yield* pickResident({ plan: "plan-dementia" }))]
      const started = Date.now()
      const ids = yield* Effect.forEach(
        Array.from({ length: 1000 }, (_, i) => residents[i % residents.length]!),
        (r) => openIncident(r, fallDecision, { request: addressOf(r) }),
        { concurrency: 16 }
      )
      const wanted = new Set(ids)
      const offers = yield* eventually(
        Effect.map(readSubject("WT_INCIDENT", "wt.inc.demo.>"), (messages) => {
          const offered = messages.flatMap((m) => {
            const record = JSON.parse(new TextDecoder().decode(m.data)) as { event: IncidentEvent }
            return record.event.type === "handover_offered" && wanted.has(record.event.incidentId) ? [record.event] : []
          })
          return new Set(offered.map((e) => e.incidentId)).size >= wanted.size ? offered : undefined
        }),
        120_000,
        1000
      )
      const perIncident = new Map<string, number>()
      for (const o of offers) perIncident.set(o.incidentId, (perIncident.get(o.incidentId) ?? 0) + 1)
      expect(perIncident.size).toBe(1000)
      expect([...perIncident.values()].every((n) => n === 1)).toBe(true)
      // Both copies took part: each wrote offers (the decider turned the other's duplicates into nothing).
      const offersBy = (url: string) =>
        Effect.map(request<string>(`${url}/metrics`), (a) => Number(String(a.body).match(/^wt_dispatch_steps_total\{event="handover_offered"\} (\d+)/m)?.[1] ?? 0))
      const [first, second] = [yield* offersBy(rig.dispatch.url), yield* offersBy(copy.url)]
      expect(first).toBeGreaterThan(0)
      expect(second).toBeGreaterThan(0)
      console.log(`1,000 incidents requested and offered by two dispatch copies in ${((Date.now() - started) / 1000).toFixed(1)} s (offers written: ${first} + ${second})`)
    }))
})

