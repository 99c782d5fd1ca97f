import { describe, expect, it } from "@effect/vitest"
import { AuditEntry, AuditKind, DeviceEvent, IncidentEvent, IncidentOpened } from "@wt/contracts"
import { Schema } from "effect"
import { alertCodeOf, bundleOf, BundleWriter, FhirExport, type FhirResource, fhirString } from "./index.ts"
import { fhirDocumentErrors, fhirSchemaErrors, scenarioEntries, scenarioEvents } from "./testing.ts"

const exportedAt = "2026-11-25T03:30:00.000Z"

/** Every resource and the Bundle holding them, each against the official R4 schema. */
const expectValid = (resources: ReadonlyArray<FhirResource>) => {
  for (const r of resources) expect(fhirSchemaErrors(r), `${r.resourceType}/${r.id}`).toEqual([])
  const bundle = bundleOf("test-export", exportedAt, resources)
  expect(fhirSchemaErrors(bundle)).toEqual([])
  expect(fhirDocumentErrors(bundle)).toEqual([])
}

const exportAll = (entries: ReadonlyArray<AuditEntry>) => {
  const fhir = new FhirExport(exportedAt)
  const events = entries.map((e, i) => fhir.add(i + 1, e))
  return { events, incidents: fhir.incidentResources(), unreadable: fhir.unreadableIncidentEvents }
}

const entryOf = (event: IncidentEvent, residentId: string, n: number): AuditEntry => ({
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

  it("a scenario with every incident event type and every audit entry kind exports valid AuditEvents, Flags and Compositions", () => {
    const entries = scenarioEntries()
    expect(new Set(entries.map((e) => e.kind))).toEqual(new Set(AuditKind.literals))
    expect(new Set(scenarioEvents.map((s) => s.event.type))).toEqual(new Set(IncidentEvent.members.map((m) => m.fields.type.literal)))
    const { events, incidents, unreadable } = exportAll(entries)
    expect(unreadable).toBe(0)
    expect(events).toHaveLength(entries.length)
    expect(incidents.map((r) => `${r.resourceType}/${r.id}`)).toEqual([
      "Flag/alert-inc-a", "Composition/handling-log-inc-a",
      "Flag/alert-inc-b", "Composition/handling-log-inc-b",
      "Flag/alert-inc-c", "Composition/handling-log-inc-c",
      "Flag/alert-inc-d", "Composition/handling-log-inc-d",
      "Flag/alert-inc-e", "Composition/handling-log-inc-e"
    ])
    expectValid([...events, ...incidents])
  })

  it("a resident's record view is BALP's patient-privacy read; an export a disclosure; an incident's later events updates", () => {
    const { events } = exportAll(scenarioEntries())
    const byKind = (kind: string) => events.filter((e) => e.subtype.some((s) => s.code === kind))
    const view = byKind("record_view")[0]!
    expect(view.meta?.profile).toEqual(["https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientRead"])
    expect(view.action).toBe("R")
    expect(view.type.code).toBe("rest")
    expect(view.subtype[0]!.code).toBe("read")
    expect(view.agent[0]!.type.coding[0]!.code).toBe("humanuser")
    expect(view.agent[0]!.who.identifier?.value).toBe("u-kari")
    expect(view.entity[0]).toMatchObject({ what: { reference: "Patient/res-0001" }, role: { code: "1" }, type: { code: "1" } })
    const exported = byKind("export")[0]!
    expect(exported.type).toMatchObject({ code: "110106", display: "Export" })
    expect(exported.subtype[0]!.code).toBe("disclose")
    const incidentEvents = byKind("incident_event")
    expect(incidentEvents[0]!.action).toBe("C")
    expect(incidentEvents[0]!.meta?.profile[0]).toMatch(/PatientCreate$/)
    expect(incidentEvents[1]!.action).toBe("U")
    const device = byKind("device_event")[0]!
    expect(device.meta?.profile[0]).toMatch(/\.Create$/)
    expect(device.agent[0]!.who).toMatchObject({ type: "Device", identifier: { value: "door-000001" } })
    // A batch of heartbeats and positions: one creation naming each of its device events.
    const batch = byKind("device_events")[0]!
    expect(batch.action).toBe("C")
    expect(batch.entity.filter((x) => x.name === "device event").map((x) => x.what.identifier?.value)).toEqual([
      "018f3a2b-7c4d-7e8f-9a0b-000000000007",
      "018f3a2b-7c4d-7e8f-9a0b-000000000008"
    ])
    // Every event claiming a BALP profile has its data entity and its server agent; a person acts through a client.
    const withAccessLogRead = exportAll([...scenarioEntries(), { id: "al-1", tenant: "demo", kind: "record_view", at: exportedAt, actor: { kind: "admin", id: "u-admin" }, subject: { residentId: "res-0001" }, summary: "access log read" }]).events
    for (const e of withAccessLogRead.filter((e) => e.meta !== undefined)) {
      expect(e.entity.some((x) => x.type.code === "2" && "role" in x && x.role?.code === "4"), e.id).toBe(true)
      expect(e.agent.some((a) => a.type.coding[0]!.code === "110152"), e.id).toBe(true)
      if (e.agent[0]!.type.coding[0]!.code === "humanuser") expect(e.agent.some((a) => a.type.coding[0]!.code === "110153"), e.id).toBe(true)
    }
    expectValid(withAccessLogRead)
    // The WT_AUDIT sequence ties each AuditEvent to the sealed entry.
    expect(events[4]!.id).toBe("wt-audit-5")
    expect((events[4]!.entity.at(-1) as { detail: ReadonlyArray<unknown> }).detail[0]).toEqual({ type: "WT_AUDIT sequence", valueString: "5" })
  })

  it("an alert carries the national alert code, severity and colour of its priority now, and ends with the incident", () => {
    const { incidents } = exportAll(scenarioEntries())
    const flag = (id: string) => incidents.find((r) => r.id === id) as any
    const a = flag("alert-inc-a")
    expect(a.code.coding[0]).toEqual({ system: "https://fhir.wt.example.no/CodeSystem/vkp-alert-code", code: "4.15", display: "door opened" })
    expect(a.extension.map((x: any) => x.valueCoding?.code ?? x.valueCodeableConcept?.coding[0].code)).toEqual(["40", "red", "P1", "PH", undefined, undefined])
    expect(a.status).toBe("inactive")
    expect(a.period).toEqual({ start: "2026-11-25T02:00:00.000Z", end: "2026-11-25T02:20:00.000Z" })
    expect(flag("alert-inc-b").code.coding[0].code).toBe("4.11")
    expect(flag("alert-inc-d").code.coding[0].code).toBe("1.1")
    expect(flag("alert-inc-d").status).toBe("active")
    expect(flag("alert-inc-c").code.coding.map((c: any) => c.code)).toEqual(["technical:sensor_supervision_lost"])
  })

  it("the handling log lists the national states in order, with cause and action, and points to the alert", () => {
    const { incidents } = exportAll(scenarioEntries())
    const log = incidents.find((r) => r.id === "handling-log-inc-a") as any
    const states = log.section.map((s: any) => s.code.coding.find((c: any) => c.system.endsWith("vkp-handling-state"))?.code)
    expect(states).toEqual(["0", undefined, undefined, undefined, undefined, "1", "8", "10", "6", "7", "9", "3"])
    expect(log.status).toBe("final")
    expect(log.section[0].entry[0].reference).toMatch(/^urn:uuid:/)
    expect(log.section[7].text.div).toContain("Home care &lt;team 2&gt; &amp; the keyholder informed")
    expect(log.section[5].author[0]).toMatchObject({ type: "Practitioner", display: "Kari Nordmann" })
    expect((incidents.find((r) => r.id === "handling-log-inc-d") as any).status).toBe("preliminary")
  })

  it("a call-out's handling log says sent to call-out, call-out done, and other actor for the fire service and next of kin", () => {
    const { incidents } = exportAll(scenarioEntries())
    const log = incidents.find((r) => r.id === "handling-log-inc-e") as any
    const states = log.section.map((s: any) => s.code.coding.find((c: any) => c.system.endsWith("vkp-handling-state"))?.code)
    const kinds = log.section.map((s: any) => s.code.coding.find((c: any) => c.system.endsWith("timeline-entry"))?.code)
    const stateOf = (kind: string) => states[kinds.indexOf(kind)]
    expect(stateOf("agency_notified")).toBe("10")
    expect(stateOf("handover_requested")).toBe("4")
    expect(stateOf("handover_offered")).toBe("4")
    expect(stateOf("handover_accepted")).toBe("4")
    expect(stateOf("responder_on_site")).toBe("5")
    expect(stateOf("handover_completed")).toBe("5")
    expect(stateOf("contact_answered")).toBe("8")
  })

  it.each([
    [{ type: "safety_alarm", payload: { trigger: "fall_detector" } }, "4.1"],
    [{ type: "safety_alarm", payload: { trigger: "pendant" } }, "4.13"],
    [{ type: "safety_alarm", payload: { trigger: "button" } }, "4.13"],
    [{ type: "safety_alarm", payload: { trigger: "pull_cord" } }, "4.14"],
    [{ type: "sensor", payload: { sensor: "bed", state: "left_bed" } }, "4.2"],
    [{ type: "sensor", payload: { sensor: "heat", state: "triggered" } }, "4.11"],
    [{ type: "sensor", payload: { sensor: "door", state: "opened" } }, "4.15"],
    [{ type: "sensor", payload: { sensor: "door", state: "closed" } }, "4.16"],
    [{ type: "sensor", payload: { sensor: "water", state: "triggered" } }, "4.17"],
    [{ type: "sensor", payload: { sensor: "motion", state: "no_activity" } }, "4.19"],
    [{ type: "gps", payload: { lat: 60, lon: 10 } }, "4.21"],
    [{ type: "sensor", payload: { sensor: "epilepsy", state: "triggered" } }, "4.24"],
    [{ type: "medication", payload: { event: "dose_late" } }, "1.3"],
    [{ type: "medication", payload: { event: "refill_needed" } }, "1.12"],
    [{ type: "technical", payload: { event: "low_battery" } }, undefined]
  ] as const)("%o has national alert code %s", (partial, code) => {
    const event = { id: "018f3a2b-7c4d", tenant: "demo", deviceId: "d-1", occurredAt: exportedAt, source: { via: "sim" }, ...partial } as DeviceEvent
    expect(alertCodeOf(event)?.code).toBe(code)
  })

  it.prop("any audit entry, of any kind and content, becomes an AuditEvent valid against the R4 schema", [Schema.Array(AuditEntry)], ([entries]) => {
    const { events } = exportAll(entries)
    expectValid(events)
  }, { arbitrary: { runs: 150 } })

  it.prop(
    "any incident history (every event type, any text, any time) gives a Flag and a Composition valid against the R4 schema",
    [IncidentOpened, Schema.Array(IncidentEvent)],
    ([opened, later]) => {
      const same = { incidentId: opened.incidentId, tenant: opened.tenant }
      const events = [opened, ...later.map((e) => ({ ...e, ...same }) as IncidentEvent)]
      const { events: auditEvents, incidents, unreadable } = exportAll(events.map((e, i) => entryOf(e, opened.residentId, i)))
      expect(unreadable).toBe(0)
      expect(incidents.map((r) => r.resourceType)).toEqual(["Flag", "Composition"])
      expectValid([...auditEvents, ...incidents])
    },
    { arbitrary: { runs: 150 } }
  )

  it("the streamed Bundle is the same document as the one built in memory, and valid", () => {
    const { events, incidents } = exportAll(scenarioEntries())
    let text = ""
    const writer = new BundleWriter("test-export", exportedAt, (t) => (text += t))
    for (const r of [...events, ...incidents]) writer.add(r)
    writer.close()
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(bundleOf("test-export", exportedAt, [...events, ...incidents]))))
    let empty = ""
    const none = new BundleWriter("empty", exportedAt, (t) => (empty += t))
    none.close()
    expect(fhirDocumentErrors(JSON.parse(empty))).toEqual([])
    expect(JSON.parse(empty).entry).toBeUndefined()
  })
})
