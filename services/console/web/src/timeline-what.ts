// The "what" of a timeline entry in the user's language, worded from the entry's data (its kind,
// alarm type and detail) rather than the server's English summary. What people typed (notes,
// causes, actions, the conversation party, reasons) and what the registry or rule set says (team
// names, a rule's reason) is shown as written; times are Oslo time in the language's form.

import type { Actor, TimelineEntry } from "./api.ts"
import { alarmLabel, clock, dateTime, num, who } from "./format.ts"
import { t, term } from "./i18n.ts"

type Detail = Record<string, unknown>

const isObject = (v: unknown): v is Detail => typeof v === "object" && v !== null
const str = (d: Detail, key: string): string | undefined => {
  const v = d[key]
  return typeof v === "string" ? v : undefined
}
const numberOf = (d: Detail, key: string): number | undefined => {
  const v = d[key]
  return typeof v === "number" && Number.isFinite(v) ? v : undefined
}
const isActor = (v: unknown): v is Actor => isObject(v) && typeof v["kind"] === "string" && typeof v["id"] === "string"

/** Each value present, or undefined when one is missing: then the entry's shape is not one this app knows. */
const all = <const T extends ReadonlyArray<unknown>>(...values: T): { [K in keyof T]: Exclude<T[K], undefined> } | undefined =>
  values.some((v) => v === undefined) ? undefined : (values as unknown as { [K in keyof T]: Exclude<T[K], undefined> })

const category = (c: string) => term(t().category, c)
const count = (n: number) => num(n)

/** The entry in words from its data, or undefined when its kind or the shape of its data is new to this app. */
export const wordedWhat = (e: TimelineEntry): string | undefined => {
  const w = t().timeline.what
  const d = e.detail
  if (!isObject(d)) return undefined
  const actor = who(e.actor)
  switch (e.kind) {
    case "device_event": {
      const v = all(e.alarmType, str(d, "deviceId"), str(d, "id"))
      if (v === undefined) return undefined
      const received = str(d, "receivedAt")
      return w.deviceEvent(alarmLabel(v[0]), v[1], received === undefined ? w.notReceived : dateTime(received), v[2])
    }
    case "triage_decision": {
      // The rule's reason is the rule set's own text, shown as the rule set writes it.
      const v = all(str(d, "priority"), str(d, "ruleId"), str(d, "ruleSetVersion"), str(d, "reason"))
      return v && w.triage(...v) + (d["fireService"] === true ? w.fireService : "")
    }
    case "headline": {
      const v = all(e.alarmType, str(d, "deviceId"), str(d, "priority"), str(d, "category"))
      return v && w.headline(alarmLabel(v[0]), v[1], v[2], category(v[3]))
    }
    case "incident_opened": {
      const v = all(str(d, "priority"), e.alarmType, str(d, "category"))
      return v && w.opened(v[0], alarmLabel(v[1]), category(v[2]))
    }
    case "priority_raised": {
      const v = all(str(d, "from"), str(d, "to"), str(d, "reason"))
      return v && w.priorityRaised(...v)
    }
    case "incident_claimed":
      return w.claimed(actor)
    case "note_added": {
      const code = numberOf(d, "handlingCode")
      return code === undefined ? undefined : w.note(String(code), actor)
    }
    case "incident_resolved": {
      const cause = str(d, "cause")
      const action = str(d, "action")
      return w.resolved(actor) + (cause ? w.cause(cause) : "") + (action ? w.action(action) : "")
    }
    case "incident_cancelled": {
      const reason = str(d, "reason")
      return reason === undefined ? undefined : w.cancelled(actor, reason)
    }
    case "contact_recorded": {
      const party = str(d, "party")
      return party === undefined ? undefined : w.conversation(party, actor)
    }
    case "incident_marked_repeated": {
      const v = all(numberOf(d, "alarmsInWindow"), numberOf(d, "windowHours"), str(d, "atLeast"), str(d, "ruleId"), str(d, "ruleSetVersion"))
      return v && w.repeated(count(v[0]), count(v[1]), v[2], v[3], v[4])
    }
    case "incident_escalated": {
      // The server's reason repeats these numbers in English; the level and the time say it all.
      const v = all(numberOf(d, "level"), numberOf(d, "unclaimedForMs"))
      return v && w.escalated(count(v[0]), count(Math.round(v[1] / 1000)))
    }
    case "incident_closed":
      return w.closed(actor) + (isActor(d["confirms"]) ? w.confirming(who(d["confirms"])) : "")
    case "storm_updated": {
      const lost = d["lost"]
      const restored = d["restored"]
      return Array.isArray(lost) && Array.isArray(restored) ? w.storm(count(lost.length), count(restored.length)) : undefined
    }
    case "handover_requested": {
      const v = all(str(d, "addressKind"), str(d, "reason"))
      return v && w.handoverRequested(actor, term(t().handover.addressKind, v[0]), v[1])
    }
    case "handover_offered": {
      const team = isObject(d["team"]) ? str(d["team"], "name") : undefined
      const v = all(numberOf(d, "offerNo"), team, str(d, "deadline"), numberOf(d, "criticalNotes"), str(d, "access"))
      return v && w.handoverOffered(count(v[0]), v[1], clock(v[2]), count(v[3]), term(w.access, v[4]))
    }
    case "handover_accepted": {
      const v = all(str(d, "teamId"), str(d, "eta"))
      return v && w.handoverAccepted(actor, v[0], clock(v[1]))
    }
    case "handover_rejected": {
      const v = all(numberOf(d, "offerNo"), str(d, "reason"))
      return v && w.handoverRejected(count(v[0]), actor, v[1])
    }
    case "handover_timed_out": {
      const v = all(str(d, "step"), numberOf(d, "offerNo"), str(d, "deadline"))
      if (v === undefined) return undefined
      return v[0] === "offer" ? w.offerTimedOut(count(v[1]), clock(v[2])) : w.stepOverdue(term(t().handover.step, v[0]), clock(v[2]))
    }
    case "handover_returned": {
      const reason = str(d, "reason")
      return reason === undefined ? undefined : w.handoverReturned(reason)
    }
    case "responder_en_route": {
      const deadline = str(d, "deadline")
      return deadline === undefined ? undefined : w.enRoute(actor, clock(deadline))
    }
    case "responder_on_site": {
      const v = all(numberOf(d, "distanceM"), numberOf(d, "radiusM"))
      if (v === undefined || typeof d["atConfirmedAddress"] !== "boolean") return undefined
      return d["atConfirmedAddress"] ? w.onSite(actor, count(v[0])) : w.wrongAddress(actor, count(v[0]), count(v[1]))
    }
    case "handover_completed": {
      const outcome = str(d, "outcome")
      return outcome === undefined ? undefined : w.completed(actor, outcome)
    }
    case "handover_cancelled": {
      const reason = str(d, "reason")
      return reason === undefined ? undefined : w.handoverCancelled(actor, reason)
    }
    case "agency_notified": {
      const v = all(str(d, "agency"), str(d, "channel"), str(d, "reason"))
      return v && w.agencyNotified(term(t().handover.agency, v[0]), v[1], v[2])
    }
    case "contact_cascade_started": {
      const v = all(numberOf(d, "contacts"), numberOf(d, "timeoutS"))
      return v && w.cascadeStarted(count(v[0]), count(v[1]))
    }
    case "contact_called": {
      const v = all(numberOf(d, "position"), str(d, "deadline"))
      return v && w.contactCalled(count(v[0]), clock(v[1]))
    }
    case "contact_answered": {
      const position = numberOf(d, "position")
      if (position === undefined || typeof d["accepted"] !== "boolean") return undefined
      return d["accepted"] ? w.contactAccepted(count(position)) : w.contactDeclined(count(position))
    }
    case "contact_call_timed_out": {
      const position = numberOf(d, "position")
      return position === undefined ? undefined : w.contactNoAnswer(count(position))
    }
    case "contact_cascade_ended": {
      const outcome = str(d, "outcome")
      return outcome === undefined || !(outcome in w.cascadeEnded) ? undefined : w.cascadeEnded[outcome]
    }
    case "incident_merged": {
      const into = str(d, "into")
      return into === undefined ? undefined : w.merged(into, actor)
    }
    default:
      return undefined
  }
}

/**
 * What the timeline shows for an entry: its words in the user's language, or, for a kind or a
 * shape of data this app does not know (a newer server, an entry stored before its data carried
 * every field), the server's English summary, so that nothing the entry says is lost.
 */
export const timelineWhat = (e: TimelineEntry): string => wordedWhat(e) ?? e.summary
