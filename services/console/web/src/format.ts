import type { Actor, Incident, Owner } from "./api.ts"
import { language, Locales, t, term, TimeZone } from "./i18n.ts"

export const ActiveStatuses = new Set(["open", "claimed", "in_contact", "dispatching", "responder_assigned", "en_route", "on_site"])

const priorityRank: Record<string, number> = { P1: 1, P2: 2, P3: 3, P4: 4 }

/** Most urgent first, then oldest first: the order the server's queue uses. */
export const byUrgency = (a: Incident, b: Incident) =>
  (priorityRank[a.priority] ?? 9) - (priorityRank[b.priority] ?? 9) || a.openedAt.localeCompare(b.openedAt)

/** "4:05" or "1:02:03": an incident's age, counting up (a duration: the same in every language). */
export const age = (since: string, now: number) => {
  const s = Math.max(0, Math.floor((now - Date.parse(since)) / 1000))
  const hh = Math.floor(s / 3600)
  const mm = Math.floor((s % 3600) / 60)
  const ss = String(s % 60).padStart(2, "0")
  return hh > 0 ? `${hh}:${String(mm).padStart(2, "0")}:${ss}` : `${mm}:${ss}`
}

// Formatters are made once per language: building one is far dearer than using it.
const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>()
const formatter = <F extends Intl.DateTimeFormat | Intl.NumberFormat>(key: string, make: (locale: string) => F): F => {
  const id = `${language()}:${key}`
  let f = cache.get(id)
  if (f === undefined) {
    f = make(Locales[language()])
    cache.set(id, f)
  }
  return f as F
}

const timeFormat = () => formatter("time", (l) => new Intl.DateTimeFormat(l, { timeZone: TimeZone, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" }))
const minuteFormat = () => formatter("minute", (l) => new Intl.DateTimeFormat(l, { timeZone: TimeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }))
const dateTimeFormat = () =>
  formatter("dateTime", (l) =>
    new Intl.DateTimeFormat(l, {
      timeZone: TimeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", fractionalSecondDigits: 3, hourCycle: "h23"
    }))
const dateFormat = () => formatter("date", (l) => new Intl.DateTimeFormat(l, { timeZone: TimeZone, year: "numeric", month: "2-digit", day: "2-digit" }))

/** A time of day in Oslo: "16:07:05". */
export const clock = (at: string | number) => timeFormat().format(new Date(at))
/** Hours and minutes in Oslo: "16:07". */
export const hourMinute = (at: string | number) => minuteFormat().format(new Date(at))
/** A moment in Oslo to the millisecond, as the language writes it ("04.12.2026, 16:07:05,123"). */
export const dateTime = (at: string | number) => dateTimeFormat().format(new Date(at))
/** A calendar date as the language writes it; an ISO date ("2026-12-04") is that day, not a moment. */
export const date = (day: string) =>
  /^\d{4}-\d{2}-\d{2}$/u.test(day) ? dateFormat().format(new Date(`${day}T12:00:00Z`)) : dateFormat().format(new Date(day))

/** Today's date in Oslo, as an ISO date (for date fields and validity ranges). */
export const osloDay = (now: number = Date.now()) =>
  new Intl.DateTimeFormat("sv-SE", { timeZone: TimeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(now))

/** A number as the language writes it (decimal comma and spaced thousands in Norwegian). */
export const num = (value: number, fractionDigits = 0) =>
  formatter(`num${fractionDigits}`, (l) => new Intl.NumberFormat(l, { minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits })).format(value)

/** A share (0…1) as a percentage, with a space before the sign as both languages' style guides write it: "98,5 %", "98.5 %". */
export const percent = (share: number) => `${num(share * 100, share === 0 || share === 1 ? 0 : 1)} %`

/** A person's name, or what acted (a service, a device) in the current language. */
export const who = (actor: Actor | Owner | undefined) =>
  actor === undefined ? "" : actor.name ?? `${term(t().actorKind, actor.kind)}:${actor.id}`

/** "safety alarm · pendant" / "trygghetsalarm · alarmknapp (armbånd/anheng)": the alarm type in words. */
export const alarmLabel = (alarmType: string) => {
  const [kind = "", detail] = alarmType.split(":")
  const m = t()
  return detail === undefined ? term(m.alarmType, kind) : `${term(m.alarmType, kind)} · ${term(m.alarmDetail, detail)}`
}

/** An incident's status in words. */
export const statusLabel = (status: string) => term(t().status, status)

/** An incident event's or timeline entry's kind in words. */
export const kindLabel = (kind: string) => term(t().eventKind, kind)

export const isUnclaimed = (i: Incident) => i.status === "open" && i.owner.kind === "queue"
