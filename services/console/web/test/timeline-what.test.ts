import { afterEach, describe, expect, it } from "@effect/vitest"
import type { IncidentEvent, IncidentState } from "@wt/contracts"
import { timelineEntries, withAlarmTypes } from "@wt/read-models"
// Every incident event type, as the FHIR export's tests also use them.
import { scenarioEvents } from "../../../../packages/fhir-export/src/scenario.fixture.ts"
import type { TimelineEntry } from "../src/api.ts"
import { allMessages, browserLanguage, type Language, setLanguage } from "../src/i18n.ts"
import { timelineWhat, wordedWhat } from "../src/timeline-what.ts"

afterEach(() => setLanguage(browserLanguage([])))

/** The entries the read model writes for one event, as the timeline API answers them (JSON, with alarm types). */
const entriesOf = (event: IncidentEvent, version: number, after?: IncidentState): Array<TimelineEntry> =>
  JSON.parse(JSON.stringify(withAlarmTypes(timelineEntries(event, after).map((e) => ({ ...e, version, streamSeq: version })))))

const scenario = scenarioEvents.flatMap(({ event }, i) => entriesOf(event, i + 1))
const byKind = (kind: string, n = 0) => scenario.filter((e) => e.kind === kind)[n]!

// A pendant alarm taking the headline of an open low-battery incident (the one kind the scenario lacks).
const pendantJoins: IncidentEvent = {
  type: "device_event_correlated",
  incidentId: "inc-h",
  tenant: "demo",
  at: "2026-12-04T18:20:31.964Z",
  decision: { ruleId: "care.alarm", ruleSetVersion: "default-2026.11.2", priority: "P1", category: "care", reason: "safety alarm pressed", fireService: false },
  deviceEvent: {
    id: "0a76acc3-b906-4641-89ce-5647630c9cdb",
    tenant: "demo",
    deviceId: "alarm-000023",
    occurredAt: "2026-12-04T18:20:31.960Z",
    receivedAt: "2026-12-04T18:20:31.964Z",
    source: { via: "sim" },
    type: "safety_alarm",
    payload: { trigger: "pendant" }
  }
} as IncidentEvent
const headlineAfter = {
  headline: { alarmType: "safety_alarm:pendant", category: "care", priority: "P1", deviceId: "alarm-000023", eventId: "0a76acc3-b906-4641-89ce-5647630c9cdb", at: "2026-12-04T18:20:31.964Z" }
} as unknown as IncidentState
const joined = entriesOf(pendantJoins, 2, headlineAfter)

const inBoth = (check: (language: Language) => void) => {
  for (const language of ["en", "nb"] as const) {
    setLanguage(language)
    check(language)
  }
}

describe("the timeline's what, in the user's language from the entry's data", () => {
  it("every entry the read model writes, of every incident event type, is worded in both languages: none falls back to the English summary", () => {
    const entries = [...scenario, ...joined]
    // Every kind the app has a word for; a correlated device event is written as its device event and triage decision.
    const kinds = new Set(entries.map((e) => e.kind))
    expect([...kinds].sort()).toEqual(Object.keys(allMessages.en.eventKind).filter((k) => k !== "device_event_correlated").sort())
    inBoth(() => {
      for (const e of entries) expect(wordedWhat(e), `${e.kind}: ${e.summary}`).toBeDefined()
    })
    // In Norwegian, no entry reads as the server's English.
    setLanguage("nb")
    for (const e of entries) expect(timelineWhat(e), e.kind).not.toBe(e.summary)
  })

  it("a device event: the alarm type in words, the device, the time of receipt in Oslo time as the language writes it, the event id", () => {
    const device = joined.find((e) => e.kind === "device_event")!
    expect(device.alarmType).toBe("safety_alarm:pendant")
    inBoth((language) => {
      expect(timelineWhat(device)).toBe({
        en: "safety alarm · pendant from alarm-000023 (received 04/12/2026, 19:20:31.964, id 0a76acc3-b906-4641-89ce-5647630c9cdb)",
        nb: "trygghetsalarm · alarmknapp (armbånd/anheng) fra alarm-000023 (mottatt 04.12.2026, 19:20:31,964, id 0a76acc3-b906-4641-89ce-5647630c9cdb)"
      }[language])
    })
  })

  it("the triage decision, the headline and the opening: priority, rule and rule set as codes, category and alarm type in words", () => {
    inBoth((language) => {
      expect(timelineWhat(joined.find((e) => e.kind === "triage_decision")!)).toBe({
        en: "P1 by rule care.alarm (default-2026.11.2): safety alarm pressed",
        nb: "P1 etter regel care.alarm (default-2026.11.2): safety alarm pressed"
      }[language])
      expect(timelineWhat(joined.find((e) => e.kind === "headline")!)).toBe({
        en: "safety alarm · pendant from alarm-000023 now heads the incident (P1, care): the most urgent signal; what joined before is listed beneath it",
        nb: "trygghetsalarm · alarmknapp (armbånd/anheng) fra alarm-000023 er nå hendelsens overskrift (P1, omsorg): det mest hastende signalet; det som kom til før, står under"
      }[language])
      expect(timelineWhat(byKind("incident_opened", 1))).toBe({
        en: "incident opened as P1 sensor · smoke (fire), owned by the queue",
        nb: "hendelse opprettet som P1 digitalt tilsyn · røykvarsler (brann), eid av køen"
      }[language])
      // A fire rule: the fire service is to be alerted.
      expect(timelineWhat(scenario.filter((e) => e.kind === "triage_decision")[2]!)).toBe({
        en: "P1 by rule fire.smoke (2026-11): smoke detector; fire service to be alerted",
        nb: "P1 etter regel fire.smoke (2026-11): smoke detector; brannvesenet skal varsles"
      }[language])
    })
  })

  it("what the operator did: names and what they typed as written, the rest in the language", () => {
    inBoth((language) => {
      const words = {
        incident_claimed: { en: "claimed by Kari Nordmann; owner now Kari Nordmann", nb: "tatt av Kari Nordmann; eier nå Kari Nordmann" },
        contact_recorded: { en: "conversation with resident (Kari Nordmann)", nb: "samtale med resident (Kari Nordmann)" },
        note_added: { en: "note (code 10) by Kari Nordmann", nb: "notat (kode 10) av Kari Nordmann" },
        incident_resolved: {
          en: "resolved by Kari Nordmann; cause: fell in the hallway; action: home care helped her up",
          nb: "ferdigbehandlet av Kari Nordmann; årsak: fell in the hallway; tiltak: home care helped her up"
        },
        incident_closed: { en: "closed by Ola Hansen, confirming the resolution by Kari Nordmann", nb: "lukket av Ola Hansen, bekrefter ferdigbehandlingen til Kari Nordmann" },
        incident_cancelled: { en: "cancelled by Kari Nordmann: burnt toast, confirmed by phone", nb: "annullert av Kari Nordmann: burnt toast, confirmed by phone" },
        incident_merged: { en: "merged into inc-storm-1 by Ola Hansen", nb: "slått sammen med inc-storm-1 av Ola Hansen" }
      } as const
      for (const [kind, text] of Object.entries(words)) expect(timelineWhat(byKind(kind)), kind).toBe(text[language])
    })
  })

  it("what the platform did: escalation, repeated alarms, a storm, in the language's numbers", () => {
    inBoth((language) => {
      expect(timelineWhat(byKind("incident_escalated"))).toBe({ en: "escalated to level 1: unclaimed for 30 s", nb: "eskalert til nivå 1: uten eier i 30 s" }[language])
      expect(timelineWhat(byKind("incident_marked_repeated"))).toBe({
        en: "repeated: 3 care alarms within 6 h; at least P2; a second person must confirm the closing (care.repeated, 2026-11)",
        nb: "gjentatt: 3 trygghetsalarmer innen 6 t; minst P2; en annen person må bekrefte lukkingen (care.repeated, 2026-11)"
      }[language])
      expect(timelineWhat(byKind("storm_updated"))).toBe({
        en: "storm: 2 more devices lost supervision, 1 came back",
        nb: "storm: 2 enheter til har mistet kontakten, 1 er tilbake"
      }[language])
    })
  })

  it("a call-out: deadlines and ETA in Oslo time, agency, access and step in words, team and responder names as registered", () => {
    // at(31) is 02:31 UTC on 25 November: 03:32 in Oslo for the first offer's deadline at(32).
    inBoth((language) => {
      const words = {
        agency_notified: { en: "fire service (110) alerted on wt.agency.demo.110: smoke detector", nb: "brannvesenet (110) varslet på wt.agency.demo.110: smoke detector" },
        handover_requested: {
          en: "call-out requested by Kari Nordmann to the confirmed address (home): smoke, resident cannot leave alone",
          nb: "utrykning bestilt av Kari Nordmann til den bekreftede adressen (hjem): smoke, resident cannot leave alone"
        },
        handover_offered: {
          en: "offer 1 to Home care north, answer by 03:32:00 (critical notes: 1, access: e-lock)",
          nb: "tilbud 1 til Home care north, svar innen 03:32:00 (kritiske merknader: 1, tilgang: e-lås)"
        },
        handover_rejected: { en: "offer 1 rejected by Nina: on another call-out", nb: "tilbud 1 avslått av Nina: on another call-out" },
        handover_timed_out: { en: "offer 2 not answered by 03:33:00; moving to the next team", nb: "tilbud 2 ikke besvart innen 03:33:00; går videre til neste team" },
        handover_returned: { en: "call-out back with the operator: no team answered", nb: "utrykningen er tilbake hos operatøren: no team answered" },
        handover_accepted: { en: "accepted by Nina (team team-nord), ETA 03:44:00; the team owns the call-out", nb: "akseptert av Nina (team team-nord), ventet 03:44:00; teamet har utrykningen" },
        responder_en_route: { en: "Nina en route, due on site by 03:50:00", nb: "Nina på vei, skal være fremme innen 03:50:00" },
        responder_on_site: { en: "Nina on site (13 m from the confirmed address)", nb: "Nina fremme (13 m fra den bekreftede adressen)" },
        handover_completed: { en: "call-out completed by Nina: pan on the stove, aired out, resident unharmed", nb: "utrykning utført av Nina: pan on the stove, aired out, resident unharmed" },
        handover_cancelled: { en: "call-out cancelled by Kari Nordmann: a second call-out was not needed", nb: "utrykning avbrutt av Kari Nordmann: a second call-out was not needed" }
      } as const
      for (const [kind, text] of Object.entries(words)) expect(timelineWhat(byKind(kind)), kind).toBe(text[language])
      const base = byKind("responder_on_site")
      expect(timelineWhat({ ...base, detail: { distanceM: 1250.4, radiusM: 75, atConfirmedAddress: false } })).toBe({
        en: "WRONG ADDRESS: Nina reported arrival 1,250 m from the confirmed address (radius 75 m)",
        nb: "FEIL ADRESSE: Nina meldte ankomst 1\u00a0250 m fra den bekreftede adressen (radius 75 m)"
      }[language])
      const timedOut = byKind("handover_timed_out")
      expect(timelineWhat({ ...timedOut, detail: { ...(timedOut.detail as object), step: "arrival" } })).toBe({
        en: "arrival: overdue since 03:33:00; back with the operator",
        nb: "ankomst: over fristen siden 03:33:00; tilbake hos operatøren"
      }[language])
    })
  })

  it("calls to next of kin: positions and answers in words", () => {
    inBoth((language) => {
      const words = {
        contact_cascade_started: { en: "calling 2 contacts in order, 60 s each", nb: "ringer 2 pårørende i rekkefølge, 60 s hver" },
        contact_called: { en: "calling contact 1, answer by 04:02:00", nb: "ringer pårørende nr. 1, svar innen 04:02:00" },
        contact_call_timed_out: { en: "contact 1 did not answer", nb: "pårørende nr. 1 svarte ikke" },
        contact_answered: { en: "contact 2 accepted", nb: "pårørende nr. 2 kommer" },
        contact_cascade_ended: { en: "calls to next of kin ended: one is coming", nb: "ringing til pårørende avsluttet: én kommer" }
      } as const
      for (const [kind, text] of Object.entries(words)) expect(timelineWhat(byKind(kind)), kind).toBe(text[language])
    })
  })

  it("a kind this app does not know, or an entry stored before its data carried a field, shows the server's summary: nothing is lost", () => {
    inBoth(() => {
      expect(timelineWhat({ ...byKind("incident_claimed"), kind: "incident_teleported", summary: "teleported to Bergen" })).toBe("teleported to Bergen")
      // handover_accepted entries written before the team id was in their data.
      const accepted = byKind("handover_accepted")
      const { teamId: _teamId, ...older } = accepted.detail as Record<string, unknown>
      expect(timelineWhat({ ...accepted, detail: older })).toBe(accepted.summary)
      const device = joined.find((e) => e.kind === "device_event")!
      const { alarmType: _alarmType, ...withoutAlarmType } = device
      expect(timelineWhat(withoutAlarmType)).toBe(device.summary)
      expect(timelineWhat({ ...device, detail: null })).toBe(device.summary)
    })
  })
})
