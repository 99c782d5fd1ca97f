import { describe, expect, it } from "@effect/vitest"
import { AuditEntry, type IncidentEvent, IncidentOpened } from "@wt/contracts"
import { Schema } from "effect"
import { bundleOf, defaultConfig, FhirExport, type FhirResource, fhirInstant } from "./index.ts"
import { claimedProfileIssues, fhirJsValidate, hl7ValueSetsFhirJsLacks, profileFixtures, scenarioEntries, valueSetsAt } from "./testing.ts"

const exportedAt = "2026-11-25T03:30:00.000Z"
const balp = (name: string) => `https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.${name}`

const exportAll = (entries: ReadonlyArray<AuditEntry>, codeTablesAt?: string) => {
  const fhir = new FhirExport(exportedAt, { ...defaultConfig("centre-host-1"), ...(codeTablesAt === undefined ? {} : { codeTablesAt }) })
  const events = entries.map((e, i) => fhir.add(i + 1, e))
  const incidents = fhir.incidentResources()
  return { events, incidents, codeSystems: fhir.codeSystemResources(), report: fhir.report() }
}

type Claiming = FhirResource & { readonly meta?: { readonly profile?: ReadonlyArray<string> } }
const profilesOf = (r: FhirResource) => (r as Claiming).meta?.profile ?? []
const kindOf = (e: any): string => e.entity.at(-1).detail.find((d: any) => d.type === "audit kind").valueString

/** A record view as an older console or the CLI's access log wrote it: no client address. */
const accessLogRead: AuditEntry = { id: "al-1", tenant: "demo", kind: "record_view", at: exportedAt, actor: { kind: "admin", id: "u-admin" }, subject: { residentId: "res-0001" }, summary: "access log read with wt access-log" }

describe("profiles the export claims", () => {
  it("every AuditEvent kind meets the BALP profile it claims, with the person in BALP's user slice", () => {
    const { events } = exportAll([...scenarioEntries(), accessLogRead])
    const claims = new Map<string, Set<string>>()
    const valueSets = valueSetsAt(exportedAt)
    for (const e of events) {
      for (const p of profilesOf(e)) claims.set(kindOf(e), (claims.get(kindOf(e)) ?? new Set()).add(p.replace(/^.*IHE\.BasicAudit\./u, "")))
      const { issues, agentSlices } = claimedProfileIssues(e, valueSets)
      expect(issues, e.id).toEqual([])
      // A person (Practitioner or RelatedPerson) who acted is in the user slice, never beside it.
      // (BALP's disclosure pattern has no user slice: the person who exported is an agent beside its source and recipient.)
      const rest = profilesOf(e).length > 0 && !profilesOf(e).some((p) => p.endsWith("PrivacyDisclosure.Source"))
      e.agent.forEach((a: any, i) => {
        if (rest && (a.who.type === "Practitioner" || a.who.type === "RelatedPerson")) expect(agentSlices[i], `${e.id} agent ${i}`).toBe("user")
      })
    }
    expect(Object.fromEntries([...claims].map(([k, v]) => [k, [...v].sort()]))).toEqual({
      device_event: ["Create"],
      device_events: ["Create"],
      triage_decision: ["PatientCreate"],
      incident_event: ["PatientCreate", "PatientUpdate"],
      operator_action: ["PatientUpdate"],
      config_change: ["Update"],
      record_view: ["PatientRead"],
      export: ["PrivacyDisclosure.Source"],
      elock_access: ["PatientCreate", "PatientUpdate"]
      // A sign-in claims no BALP profile (BALP has no pattern for one): DICOM User Authentication, unprofiled.
    })
    // Claimed only where met: the read without a recorded client address, and the e-lock openings, claim nothing.
    expect(profilesOf(events.at(-1)!)).toEqual([])
    expect(events.filter((e) => kindOf(e) === "elock_access" && e.action === "E").map((e) => [profilesOf(e), e.outcome])).toEqual([[[], "0"], [[], "4"]])
  })

  it("a record view is BALP's Read: the browser (with its address) the Destination, the console the Source, the reader IRCP, the resident's record the data", () => {
    const { events } = exportAll(scenarioEntries())
    const view = events.find((e) => kindOf(e) === "record_view") as any
    expect(view.meta.profile).toEqual([balp("PatientRead")])
    const byCode = (code: string) => view.agent.find((a: any) => a.type?.coding[0].code === code)
    expect(byCode("110152")).toMatchObject({ who: { identifier: { value: "console-web" } }, network: { address: "10.20.30.40", type: "2" } })
    expect(byCode("110153")).toMatchObject({ who: { identifier: { value: "console" } }, network: { address: "centre-host-1", type: "1" } })
    expect(byCode("IRCP")).toMatchObject({ who: { type: "Practitioner", identifier: { value: "u-kari" } }, requestor: true })
    expect(byCode("IRCP").network).toBeUndefined()
    const data = view.entity.filter((x: any) => x.type?.code === "2")
    expect(data).toEqual([expect.objectContaining({ name: "resident record", what: expect.objectContaining({ type: "Patient", display: "resident record" }) })])
    // The incident it was opened for is context, outside the data slice.
    expect(view.entity.find((x: any) => x.name === "incident").type).toBeUndefined()
    expect(view.purposeOfEvent[0].coding[0].code).toBe("TREAT")
  })

  it("a batch of device events has one data entity naming the batch and each event with its WT_DEVICE sequence; a device reporting is BALP's informant", () => {
    const { events } = exportAll(scenarioEntries())
    const batch = events.find((e) => kindOf(e) === "device_events") as any
    const data = batch.entity.filter((x: any) => x.type?.code === "2")
    expect(data).toHaveLength(1)
    expect(data[0].what.identifier).toEqual({ system: "https://fhir.wt.example.no/NamingSystem/device-event-batch", value: "devs-101-103-2-0c1e5d7a" })
    expect(data[0].detail).toEqual([
      { type: "WT_DEVICE 101", valueString: "018f3a2b-7c4d-7e8f-9a0b-000000000007" },
      { type: "WT_DEVICE 103", valueString: "018f3a2b-7c4d-7e8f-9a0b-000000000008" }
    ])
    const single = events.find((e) => kindOf(e) === "device_event") as any
    expect(single.agent.find((a: any) => a.type.coding[0].code === "INF").who).toMatchObject({ type: "Device", identifier: { value: "door-000001" } })
    expect(single.agent.find((a: any) => a.type.coding[0].code === "110153").who.identifier.value).toBe("gateway")
  })

  it("the checker rejects each shape the finding describes: no network, Read's roles swapped, the user typed humanuser", () => {
    const { events } = exportAll(scenarioEntries())
    const valueSets = valueSetsAt(exportedAt)
    const view = events.find((e) => kindOf(e) === "record_view") as any
    const withoutNetwork = { ...view, agent: view.agent.map(({ network: _, ...a }: any) => a) }
    expect(claimedProfileIssues(withoutNetwork, valueSets).issues.join("\n")).toMatch(/agent\[client\]\[0\]\.network: 0 present, at least 1 required/u)
    // A read whose client has no address (the browser typed as the Source, as before) leaves BALP's client slice without its network.
    const swapped = { ...view, agent: view.agent.map((a: any) => (a.type.coding[0].code === "110152" ? { ...a, type: { coding: [{ ...a.type.coding[0], code: "110153" }] } } : a.type.coding[0].code === "110153" ? { ...a, type: { coding: [{ ...a.type.coding[0], code: "110152" }] }, network: undefined } : a)) }
    expect(claimedProfileIssues(JSON.parse(JSON.stringify(swapped)), valueSets).issues.join("\n")).toMatch(/agent\[client\]\[0\]\.network: 0 present/u)
    const humanuser = { ...view, agent: view.agent.map((a: any) => (a.requestor === true ? { ...a, type: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/extra-security-role-type", code: "humanuser" }] } } : a)) }
    expect(claimedProfileIssues(humanuser, valueSets).agentSlices).not.toContain("user")
    const twoData = { ...view, entity: [...view.entity, { ...view.entity[1] }] }
    expect(claimedProfileIssues(twoData, valueSets).issues.join("\n")).toMatch(/entity\[data\]: 2 present, at most 1 allowed/u)
  })

  it("the alert, handling log and conversation meet the VKP profiles they claim, with codes of the national value sets as published", () => {
    const { incidents } = exportAll(scenarioEntries())
    const valueSets = valueSetsAt(exportedAt)
    const claimed = incidents.filter((r) => profilesOf(r).length > 0)
    expect(new Set(claimed.map((r) => r.resourceType))).toEqual(new Set(["DetectedIssue", "Flag", "Composition", "Encounter"]))
    for (const r of claimed) expect(claimedProfileIssues(r, valueSets).issues, r.id).toEqual([])
    // The checker does reject a code outside the edition's value set.
    const issue = incidents.find((r) => r.resourceType === "DetectedIssue") as any
    expect(claimedProfileIssues({ ...issue, code: { coding: [{ ...issue.code.coding[0], code: "3.7" }] } }, valueSets).issues.join("\n")).toMatch(/not in the value set/u)
  })

  it("the same incident exported under two code-table editions gives the codes each edition defines, and the report names the editions", () => {
    const entries = scenarioEntries()
    const dose = (at?: string) => {
      const { incidents, report } = exportAll(entries, at)
      const code = (id: string) => (incidents.find((r) => r.id === id) as any)?.code.coding[0].code
      const log = incidents.find((r) => r.id === "handling-log-inc-a") as any
      return { dose: code("alert-code-inc-d"), fall: code("alert-code-inc-a"), states: log.event?.map((e: any) => e.code[0].coding[0].code) ?? [], report, incidents }
    }
    const nov2021 = dose("2021-11-10T12:00:00.000Z")
    const dec2021 = dose("2021-12-01T12:00:00.000Z")
    const now = dose()
    // A missed dose: 3.7 while dispenser deviations were 3.x, 1.7 once they moved to 1.x, 1.1 after the renumbering.
    expect([nov2021.dose, dec2021.dose, now.dose]).toEqual(["3.7", "1.7", "1.1"])
    // inc-a: a door opened, then a fall that heads it.
    expect([nov2021.fall, dec2021.fall, now.fall]).toEqual(["4.1", "4.1", "4.1"])
    // Handling-log states 6–10 came on 2021-11-16: before, only 0, 1, 3, 4, 5 have national codes.
    expect(nov2021.states).toEqual(["0", "1", "3"])
    expect(now.states).toEqual(["0", "1", "8", "10", "6", "7", "9", "3"])
    expect(nov2021.report.codeTables.find((t) => t.system.endsWith("vkp-alert-code-v090"))).toMatchObject({ version: "0.9.0", edition: "2021-11-02" })
    expect(dec2021.report.codeTables.find((t) => t.system.endsWith("vkp-alert-code-v090"))).toMatchObject({ edition: "2021-11-26" })
    expect(now.report.codeTables.find((t) => t.system.endsWith("vkp-alert-code-v090"))).toMatchObject({ edition: "2022-01-14" })
    expect(nov2021.report.withoutNationalCode.compositionEvent).toBeGreaterThan(0)
    // Each export's national codes are in the value sets as published at its time.
    for (const [at, run] of [["2021-11-10T12:00:00.000Z", nov2021], ["2021-12-01T12:00:00.000Z", dec2021]] as const) {
      for (const r of run.incidents.filter((x) => profilesOf(x).length > 0)) expect(claimedProfileIssues(r, valueSetsAt(at)).issues, `${at} ${r.id}`).toEqual([])
    }
    // Without a pin, each event takes the edition of its own time: last year's incident, last year's codes.
    const shifted = entries.map((e) => JSON.parse(JSON.stringify(e).replaceAll("2026-11-25T", "2021-11-27T")) as AuditEntry)
    expect((exportAll(shifted).incidents.find((r) => r.id === "alert-code-inc-d") as any).code.coding[0].code).toBe("1.7")
  })

  it("FHIR.js validate() of the demo export: no error, and every value-set warning explained by a profile's binding or a value set FHIR.js lacks", () => {
    const { events, incidents, codeSystems } = exportAll(scenarioEntries())
    const resources = [...events, ...incidents, ...codeSystems]
    const result = fhirJsValidate(bundleOf("acceptance", exportedAt, resources))
    expect(result.messages.filter((m) => m.severity === "error" || m.severity === "fatal")).toEqual([])
    expect(result.valid).toBe(true)
    const byId = new Map(resources.map((r) => [r.id, r]))
    const missing = new Map(result.messages.filter((m) => m.severity === "info" && m.message.includes("could not be found")).map((m) => [`${m.resourceId} ${m.location}`, m.message.match(/"([^"]+)"/u)![1]!]))
    const lacking = new Map(hl7ValueSetsFhirJsLacks.map((v) => [v.url, v]))
    // Elements the claimed profile binds to a national value set (or, for BALP's disclosure, fixes a code on),
    // where R4 itself has only an example, preferred or extensible binding to an HL7 set.
    const rebound: Readonly<Record<string, string>> = {
      "DetectedIssue.code": "vkp-DetectedIssue-v090",
      "Composition.category": "vkp-Composition-v090",
      "Composition.event.code": "vkp-Composition-v090",
      "Composition.section.code": "vkp-Composition-v090",
      "Encounter.participant.type": "vkp-Encounter-v090",
      "Encounter.reasonCode": "vkp-Encounter-v090",
      "AuditEvent.subtype": "IHE.BasicAudit.PrivacyDisclosure.Source"
    }
    const unexplained = result.messages.filter((m) => m.severity === "warning").filter((m) => {
      if (!m.message.includes("not found in value set")) return true
      const resource = byId.get(m.resourceId)
      const element = m.location.replace(/\[\d+\]/gu, "")
      const profile = rebound[element]
      if (resource !== undefined && profile !== undefined && profilesOf(resource).some((p) => p.endsWith(profile))) return false
      const vs = missing.get(`${m.resourceId} ${m.location}`)
      const code = m.message.match(/^Code "([^"]+)" \(([^)]+)\)/u)
      return !(vs !== undefined && code !== null && lacking.get(vs.split("|")[0]!)?.include.some((i) => i.system === code[2] && i.codes?.includes(code[1]!)))
    })
    expect(unexplained).toEqual([])
    // None of them is about a code system of ours.
    expect(result.messages.filter((m) => m.message.includes("fhir.wt.example.no"))).toEqual([])
    expect(profileFixtures.size).toBe(11)
  })

  it.prop("any audit entry, of any kind and content, meets the BALP profile its AuditEvent claims", [Schema.Array(AuditEntry)], ([entries]) => {
    const { events } = exportAll(entries)
    for (const e of events) expect(claimedProfileIssues(e, valueSetsAt(e.recorded)).issues, e.id).toEqual([])
    expect(events.some((e) => profilesOf(e).length > 0) || entries.length === 0 || entries.every((e) => ["record_view", "export", "elock_access", "authentication"].includes(e.kind))).toBe(true)
  }, { arbitrary: { runs: 100 } })

  it("an alert from before the national severity level's first edition (2021-09-02) does not claim VKP's Flag, which requires it", () => {
    const opened = Schema.decodeUnknownSync(IncidentOpened)({
      type: "incident_opened", incidentId: "inc-old", tenant: "demo", at: "2021-03-01T10:00:00.000Z", residentId: "res-0001", priority: "P3", category: "medication",
      decision: { ruleId: "r", ruleSetVersion: "v", priority: "P3", category: "medication", reason: "dose missed", fireService: false },
      deviceEvent: { id: "018f3a2b-7c4d-7e8f-9a0b-00000000dead", tenant: "demo", deviceId: "med-000001", occurredAt: "2021-03-01T10:00:00.000Z", source: { via: "http" }, type: "medication", payload: { event: "dose_missed" } }
    })
    const entry = { id: "inc-old", tenant: "demo", kind: "incident_event" as const, at: opened.at, actor: { kind: "service" as const, id: "triage" }, subject: { incidentId: opened.incidentId, residentId: opened.residentId }, summary: "opened", data: opened as IncidentEvent }
    const flag = exportAll([entry]).incidents.find((r) => r.resourceType === "Flag")!
    expect(profilesOf(flag)).toEqual([])
    expect(claimedProfileIssues(flag, valueSetsAt("2021-03-01T10:00:00Z")).issues).toEqual([])
  })

  it.prop("any incident history gives resources that meet the VKP profiles they claim", [IncidentOpened, Schema.Array(Schema.Unknown)], ([opened]) => {
    const entry = { id: "inc-1", tenant: opened.tenant, kind: "incident_event" as const, at: opened.at, actor: { kind: "service" as const, id: "triage" }, subject: { incidentId: opened.incidentId, residentId: opened.residentId }, summary: "opened", data: opened as IncidentEvent }
    const { incidents } = exportAll([entry])
    for (const r of incidents) expect(claimedProfileIssues(r, valueSetsAt(fhirInstant(opened.at) ?? exportedAt)).issues, r.id).toEqual([])
  }, { arbitrary: { runs: 100 } })
})
