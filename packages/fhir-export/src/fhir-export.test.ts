import { describe, expect, it } from "@effect/vitest"
import { AuditEntry, AuditKind, DeviceEvent, IncidentEvent, IncidentOpened } from "@wt/contracts"
import { Schema } from "effect"
import { alertConceptOf, bundleOf, BundleWriter, defaultConfig, FhirExport, type FhirResource, fhirString, resolveConfig } from "./index.ts"
import { fhirDocumentErrors, fhirSchemaErrors, scenarioEntries, scenarioEvents } from "./testing.ts"

const exportedAt = "2026-11-25T03:30:00.000Z"

/** Every resource and the Bundle holding them, each against the official R4 schema. */
export const expectValid = (resources: ReadonlyArray<FhirResource>) => {
  for (const r of resources) expect(fhirSchemaErrors(r), `${r.resourceType}/${r.id}`).toEqual([])
  const bundle = bundleOf("test-export", exportedAt, resources)
  expect(fhirSchemaErrors(bundle)).toEqual([])
  expect(fhirDocumentErrors(bundle)).toEqual([])
}

export const exportAll = (entries: ReadonlyArray<AuditEntry>, config = defaultConfig("centre-host-1")) => {
  const fhir = new FhirExport(exportedAt, config)
  const events = entries.map((e, i) => fhir.add(i + 1, e))
  const incidents = fhir.incidentResources()
  return { events, incidents, codeSystems: fhir.codeSystemResources(), unreadable: fhir.unreadableIncidentEvents, report: fhir.report() }
}

export const entryOf = (event: IncidentEvent, residentId: string, n: number): AuditEntry => ({
  id: `inc-${n}`,
  tenant: event.tenant,
  kind: "incident_event",
  at: event.at,
  actor: "by" in event ? event.by : { kind: "service", id: "triage" },
  subject: { incidentId: event.incidentId, residentId },
  summary: event.type,
  data: event
})

describe("FHIR R4 export", () => {
  it("the schema the tests validate against is HL7's and rejects what R4 does not allow", () => {
    expect(fhirSchemaErrors({ resourceType: "Flag", status: "active", code: { text: "x" }, subject: { reference: "Patient/1" } })).toEqual([])
    expect(fhirSchemaErrors({ resourceType: "Flag", status: "bogus", code: { text: "x" }, subject: { reference: "Patient/1" } })).not.toEqual([])
    expect(fhirSchemaErrors({ resourceType: "Flag", status: "active", code: { text: "" }, subject: { reference: "Patient/1" } })).not.toEqual([])
    // A no-break space is whitespace R4's string pattern does not allow; fhirString turns it into a space.
    expect(fhirSchemaErrors({ resourceType: "Flag", status: "active", code: { text: "a\u00a0b" }, subject: { reference: "Patient/1" } })).not.toEqual([])
    expect(fhirSchemaErrors({ resourceType: "Flag", status: "active", code: { text: fhirString("a\u00a0b") }, subject: { reference: "Patient/1" } })).toEqual([])
    expect(fhirSchemaErrors({ resourceType: "AuditEvent", id: "has space", type: { code: "rest" }, recorded: exportedAt, agent: [{ requestor: true }], source: { observer: { display: "x" } } })).not.toEqual([])
    expect(fhirSchemaErrors({ resourceType: "Flag", status: "active", code: { text: "x" }, subject: { reference: "Patient/1" }, madeUp: 1 })).not.toEqual([])
  })

  it("a scenario with every incident event type and every audit entry kind exports valid AuditEvents, DetectedIssues, Flags, Compositions, Encounters and CodeSystems", () => {
    const entries = scenarioEntries()
    expect(new Set(entries.map((e) => e.kind))).toEqual(new Set(AuditKind.literals))
    expect(new Set(scenarioEvents.map((s) => s.event.type))).toEqual(new Set(IncidentEvent.members.map((m) => m.fields.type.literal)))
    const { events, incidents, codeSystems, unreadable } = exportAll(entries)
    expect(unreadable).toBe(0)
    expect(events).toHaveLength(entries.length)
    expect(incidents.map((r) => `${r.resourceType}/${r.id}`)).toEqual([
      "DetectedIssue/alert-code-inc-a", "Flag/alert-inc-a", "Composition/handling-log-inc-a", "Encounter/conversation-inc-a-0",
      "DetectedIssue/alert-code-inc-b", "Flag/alert-inc-b", "Composition/handling-log-inc-b",
      // A technical fault has no national alert code: a Flag without a coded alert.
      "Flag/alert-inc-c", "Composition/handling-log-inc-c",
      "DetectedIssue/alert-code-inc-d", "Flag/alert-inc-d", "Composition/handling-log-inc-d",
      "DetectedIssue/alert-code-inc-e", "Flag/alert-inc-e", "Composition/handling-log-inc-e"
    ])
    expect(codeSystems.map((c) => c.id)).toEqual(["wt-alarmType", "wt-handlingEntry", "wt-priority"])
    expectValid([...events, ...incidents, ...codeSystems])
  })

  it("an alert is coded as VKP codes one: the national alert code on a DetectedIssue, the severity level and a link to it on the Flag, the text in Flag.code", () => {
    const { incidents } = exportAll(scenarioEntries())
    const byId = (id: string) => incidents.find((r) => r.id === id) as any
    // inc-a opened with a door at night (P2) and a fall (P1) joined it: the fall, the more urgent, heads it.
    const issue = byId("alert-code-inc-a")
    expect(issue.meta.profile).toEqual(["http://ehelse.no/fhir/StructureDefinition/vkp-DetectedIssue-v090"])
    expect(issue.code.coding).toEqual([{ system: "http://ehelse.no/fhir/CodeSystem/vkp-alert-code-v090", version: "0.9.0", code: "4.1", display: "Fall" }])
    expect(issue.author).toMatchObject({ type: "Device", identifier: { value: "alarm-000001" } })
    expect(issue.detail).toBe("fall detected")
    expect(issue.patient).toEqual({ type: "Patient", identifier: { system: "https://fhir.wt.example.no/NamingSystem/resident-id", value: "res-0001" } })
    const flag = byId("alert-inc-a")
    expect(flag.meta.profile).toEqual(["http://ehelse.no/fhir/StructureDefinition/vkp-Flag-v090"])
    expect(flag.code).toEqual({ text: "P1 4.1 Fall" })
    expect(flag.category[0].coding[0]).toMatchObject({ code: "safety" })
    expect(flag.author).toMatchObject({ type: "Device", identifier: { value: "alarm-000001" } })
    const ext = (url: string) => flag.extension.find((x: any) => x.url === url)
    // Severity of the priority now (P1 after a fall joined): 40 critical; triage colour red.
    expect(ext("http://ehelse.no/fhir/StructureDefinition/vkp-severity-level-v090").valueCodeableConcept.coding[0]).toMatchObject({ system: "http://ehelse.no/fhir/CodeSystem/vkp-severity-level-v090", code: "40" })
    expect(ext("https://fhir.wt.example.no/StructureDefinition/triage-colour").valueCoding).toMatchObject({ system: "http://ehelse.no/fhir/CodeSystem/vkp-triage-v090", code: "R" })
    expect(ext("http://hl7.org/fhir/StructureDefinition/flag-detail").valueReference.type).toBe("DetectedIssue")
    expect(ext("https://fhir.wt.example.no/StructureDefinition/alarm-type").valueCoding.code).toBe("safety_alarm:fall_detector")
    expect(ext("https://fhir.wt.example.no/StructureDefinition/triage-rule").valueString).toBe("care.fall (2026-11)")
    expect(flag.status).toBe("inactive")
    expect(flag.period).toEqual({ start: "2026-11-25T02:00:00.000Z", end: "2026-11-25T02:20:00.000Z" })
    expect(byId("alert-code-inc-b").code.coding[0].code).toBe("4.11")
    expect(byId("alert-code-inc-d").code.coding[0]).toMatchObject({ code: "1.1", display: "Ikke utlevert" })
    expect(byId("alert-inc-d").status).toBe("active")
    expect(byId("alert-inc-c").code.text).toBe("P4 technical:sensor_supervision_lost")
  })

  it("the handling log is a vkp-Composition: national category, a national state per line as an event, section codes, and links to the alert and the conversation", () => {
    const { incidents } = exportAll(scenarioEntries())
    const log = incidents.find((r) => r.id === "handling-log-inc-a") as any
    expect(log.meta.profile).toEqual(["http://ehelse.no/fhir/StructureDefinition/vkp-Composition-v090"])
    expect(log.category[0].coding[0]).toMatchObject({ system: "http://ehelse.no/fhir/CodeSystem/vkp-composition-category-v090", code: "1" })
    expect(log.type.coding[0]).toEqual({ system: "http://loinc.org", code: "34109-9", display: "Note" })
    expect(log.event.map((e: any) => e.code[0].coding[0].code)).toEqual(["0", "1", "8", "10", "6", "7", "9", "3"])
    expect(log.event.every((e: any) => e.code[0].coding[0].system === "http://ehelse.no/fhir/CodeSystem/vkp-composition-event-v090" && e.code[0].coding[0].version === "0.9.0")).toBe(true)
    const kinds = log.section.map((s: any) => s.extension.find((x: any) => x.url.endsWith("/handling-log-entry")).valueCoding.code)
    expect(kinds).toEqual(["incident_opened", "device_event_correlated", "priority_raised", "incident_marked_repeated", "incident_escalated", "incident_claimed", "contact_recorded", "note_added", "incident_resolved", "incident_resolved", "incident_resolved", "incident_closed"])
    // A person's note (and a cause or action given) is a "notat"; the lines we compose are "sammenstilt tekst".
    expect(log.section.map((s: any) => s.code.coding[0].code)).toEqual(["2", "2", "2", "2", "2", "2", "2", "1", "1", "1", "2", "2"])
    expect(log.status).toBe("final")
    expect(log.section[0].entry[0]).toMatchObject({ type: "Flag", reference: expect.stringMatching(/^urn:uuid:/) })
    expect(log.section[6].entry[0]).toMatchObject({ type: "Encounter" })
    expect(log.section[7].text.div).toContain("Home care &lt;team 2&gt; &amp; the keyholder informed")
    expect(log.section[5].author[0]).toMatchObject({ type: "Practitioner", display: "Kari Nordmann" })
    expect((incidents.find((r) => r.id === "handling-log-inc-d") as any).status).toBe("preliminary")
    const call = incidents.find((r) => r.id === "handling-log-inc-e") as any
    const callKinds = call.section.map((s: any) => s.extension.find((x: any) => x.url.endsWith("/handling-log-entry")).valueCoding.code)
    const stateOf = (kind: string) => {
      const at = call.section[callKinds.indexOf(kind)].extension.find((x: any) => x.url.endsWith("/handling-log-time")).valueDateTime
      return call.event.filter((e: any) => e.period.start === at).map((e: any) => e.code[0].coding[0].code)
    }
    expect(stateOf("agency_notified")).toContain("10")
    expect(stateOf("handover_requested")).toContain("4")
    expect(stateOf("responder_on_site")).toEqual(["5"])
    expect(stateOf("handover_completed")).toEqual(["5"])
  })

  it("a conversation with the resident is a vkp-Encounter: virtual, two-way voice, event-based, with the operator", () => {
    const { incidents } = exportAll(scenarioEntries())
    const encounter = incidents.find((r) => r.resourceType === "Encounter") as any
    expect(encounter).toMatchObject({
      meta: { profile: ["http://ehelse.no/fhir/StructureDefinition/vkp-Encounter-v090"] },
      status: "finished",
      class: { system: "http://terminology.hl7.org/CodeSystem/v3-ActCode", code: "VR" },
      participant: [{ type: [{ coding: [{ system: "http://ehelse.no/fhir/CodeSystem/vkp-encounter-mode-v090", code: "2" }] }], individual: { type: "Practitioner" } }],
      reasonCode: [{ coding: [{ system: "http://ehelse.no/fhir/CodeSystem/vkp-encounter-reason-v090", code: "2" }] }],
      period: { end: "2026-11-25T02:03:00.000Z" }
    })
    expect(encounter.identifier[0]).toMatchObject({ system: "urn:ietf:rfc:3986", value: expect.stringMatching(/^urn:uuid:[0-9a-f-]{36}$/) })
    // Calls to next of kin are handling-log lines (conversation), not encounters with the resident.
    expect(incidents.filter((r) => r.resourceType === "Encounter")).toHaveLength(1)
  })

  it.each([
    [{ type: "safety_alarm", payload: { trigger: "fall_detector" } }, "fall"],
    [{ type: "safety_alarm", payload: { trigger: "pendant" } }, "button"],
    [{ type: "safety_alarm", payload: { trigger: "button" } }, "button"],
    [{ type: "safety_alarm", payload: { trigger: "pull_cord" } }, "pull_cord"],
    [{ type: "sensor", payload: { sensor: "bed", state: "left_bed" } }, "left_bed"],
    [{ type: "sensor", payload: { sensor: "heat", state: "triggered" } }, "fire"],
    [{ type: "sensor", payload: { sensor: "door", state: "opened" } }, "door_opened"],
    [{ type: "sensor", payload: { sensor: "door", state: "closed" } }, "door_closed"],
    [{ type: "sensor", payload: { sensor: "water", state: "triggered" } }, "water"],
    [{ type: "sensor", payload: { sensor: "motion", state: "no_activity" } }, "no_movement"],
    [{ type: "gps", payload: { lat: 60, lon: 10 } }, "left_home"],
    [{ type: "sensor", payload: { sensor: "epilepsy", state: "triggered" } }, "epilepsy"],
    [{ type: "medication", payload: { event: "dose_missed" } }, "dose_not_dispensed"],
    [{ type: "medication", payload: { event: "dose_late" } }, "dose_unconfirmed"],
    [{ type: "medication", payload: { event: "dispenser_jammed" } }, "dispenser_roll_stuck"],
    [{ type: "medication", payload: { event: "refill_needed" } }, "dispenser_nearly_empty"],
    [{ type: "technical", payload: { event: "low_battery" } }, undefined]
  ] as const)("%o is the national alert concept %s", (partial, concept) => {
    const event = { id: "018f3a2b-7c4d", tenant: "demo", deviceId: "d-1", occurredAt: exportedAt, source: { via: "sim" }, ...partial } as DeviceEvent
    expect(alertConceptOf(event)).toBe(concept)
  })

  it("configured organisation numbers and national identity numbers are the identifiers the profiles ask for; malformed ones are refused", () => {
    const config = resolveConfig(
      {
        ownBase: "https://fhir.kommune.example.no/wt/",
        centre: { name: "Responssenteret", orgNumber: "974760673", host: "rs-01.kommune.example.no" },
        municipalities: { demo: { name: "Demo kommune", orgNumber: "964338531" } },
        nationalIds: { demo: { "res-0001": "01017012343", "res-0004": "41017012337" } }
      },
      { host: "ignored" }
    )
    const { events, incidents, codeSystems } = exportAll(scenarioEntries(), config)
    const log = incidents.find((r) => r.id === "handling-log-inc-a") as any
    expect(log.subject).toEqual({ type: "Patient", identifier: { system: "urn:oid:2.16.578.1.12.4.1.4.1", value: "01017012343" } })
    expect(log.custodian).toEqual({ type: "Organization", identifier: { system: "urn:oid:2.16.578.1.12.4.1.4.101", value: "964338531" }, display: "Demo kommune" })
    expect(log.author[0]).toEqual({ type: "Organization", identifier: { system: "urn:oid:2.16.578.1.12.4.1.4.101", value: "974760673" }, display: "Responssenteret" })
    // A D-nummer (first digit + 4) is named as one.
    expect((incidents.find((r) => r.id === "alert-inc-e") as any).subject.identifier.system).toBe("urn:oid:2.16.578.1.12.4.1.4.2")
    // A resident without a supplied number keeps our id.
    expect((incidents.find((r) => r.id === "alert-inc-b") as any).subject.identifier).toEqual({ system: "https://fhir.kommune.example.no/wt/NamingSystem/resident-id", value: "res-0002" })
    expect((events[0] as any).agent.find((a: any) => a.network !== undefined).network).toEqual({ address: "rs-01.kommune.example.no", type: "1" })
    // Our own code systems and extensions all live under the configured base, and are published.
    expect(codeSystems.map((c: any) => c.url)).toEqual([
      "https://fhir.kommune.example.no/wt/CodeSystem/alarm-type",
      "https://fhir.kommune.example.no/wt/CodeSystem/handling-log-entry",
      "https://fhir.kommune.example.no/wt/CodeSystem/priority"
    ])
    const ownUrls = JSON.stringify([...events, ...incidents]).match(/https:\/\/fhir\.[a-z.]+\/[^"]*/gu) ?? []
    expect(ownUrls.length).toBeGreaterThan(0)
    expect(ownUrls.filter((u) => !u.startsWith("https://fhir.kommune.example.no/wt/"))).toEqual([])
    expect(() => resolveConfig({ nationalIds: { demo: { "res-0001": "01017012344" } } }, { host: "h" })).toThrow(/res-0001/)
  })

  it("every code of our own systems in the export is one the export publishes in its CodeSystem", () => {
    const { events, incidents, codeSystems } = exportAll(scenarioEntries())
    const published = new Map(codeSystems.map((c: any) => [c.url, new Set(c.concept.map((x: any) => x.code))]))
    const ownCodings = JSON.stringify([...events, ...incidents]).match(/\{"system":"https:\/\/fhir\.wt\.example\.no\/CodeSystem\/[^}]*\}/gu)!.map((t) => JSON.parse(t))
    expect(ownCodings.length).toBeGreaterThan(20)
    for (const c of ownCodings) expect(published.get(c.system)?.has(c.code), `${c.system}#${c.code}`).toBe(true)
  })

  it.prop("any audit entry, of any kind and content, becomes an AuditEvent valid against the R4 schema", [Schema.Array(AuditEntry)], ([entries]) => {
    const { events } = exportAll(entries)
    expectValid(events)
  }, { arbitrary: { runs: 150 } })

  it.prop(
    "any incident history (every event type, any text, any time) gives a Flag, a Composition and Encounters valid against the R4 schema",
    [IncidentOpened, Schema.Array(IncidentEvent)],
    ([opened, later]) => {
      const same = { incidentId: opened.incidentId, tenant: opened.tenant }
      const events = [opened, ...later.map((e) => ({ ...e, ...same }) as IncidentEvent)]
      const { events: auditEvents, incidents, unreadable } = exportAll(events.map((e, i) => entryOf(e, opened.residentId, i)))
      expect(unreadable).toBe(0)
      expect(incidents.filter((r) => r.resourceType === "Flag" || r.resourceType === "Composition").map((r) => r.resourceType)).toEqual(["Flag", "Composition"])
      expectValid([...auditEvents, ...incidents])
    },
    { arbitrary: { runs: 150 } }
  )

  it("the streamed Bundle is the same document as the one built in memory, and valid", () => {
    const { events, incidents, codeSystems } = exportAll(scenarioEntries())
    const all = [...events, ...incidents, ...codeSystems]
    let text = ""
    const writer = new BundleWriter("test-export", exportedAt, (t) => (text += t))
    for (const r of all) writer.add(r)
    writer.close()
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(bundleOf("test-export", exportedAt, all))))
    let empty = ""
    const none = new BundleWriter("empty", exportedAt, (t) => (empty += t))
    none.close()
    expect(fhirDocumentErrors(JSON.parse(empty))).toEqual([])
    expect(JSON.parse(empty).entry).toBeUndefined()
  })
})
