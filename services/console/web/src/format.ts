import type { Actor, Incident, Owner } from "./api.ts"

export const ActiveStatuses = new Set(["open", "claimed", "in_contact", "dispatching", "responder_assigned", "en_route", "on_site"])

const priorityRank: Record<string, number> = { P1: 1, P2: 2, P3: 3, P4: 4 }

/** Most urgent first, then oldest first: the order the server's queue uses. */
export const byUrgency = (a: Incident, b: Incident) =>
  (priorityRank[a.priority] ?? 9) - (priorityRank[b.priority] ?? 9) || a.openedAt.localeCompare(b.openedAt)

/** "4:05" or "1:02:03": an incident's age, counting up. */
export const age = (since: string, now: number) => {
  const s = Math.max(0, Math.floor((now - Date.parse(since)) / 1000))
  const hh = Math.floor(s / 3600)
  const mm = Math.floor((s % 3600) / 60)
  const ss = String(s % 60).padStart(2, "0")
  return hh > 0 ? `${hh}:${String(mm).padStart(2, "0")}:${ss}` : `${mm}:${ss}`
}

export const clock = (at: string) => new Date(at).toLocaleTimeString("en-GB", { hour12: false })
export const dateTime = (at: string) => {
  const d = new Date(at)
  return `${d.toLocaleDateString("sv-SE")} ${d.toLocaleTimeString("en-GB", { hour12: false })}.${String(d.getMilliseconds()).padStart(3, "0")}`
}

export const who = (actor: Actor | Owner | undefined) => actor === undefined ? "" : actor.name ?? `${actor.kind}:${actor.id}`

export const alarmLabel = (alarmType: string) => alarmType.replace(/_/g, " ").replace(":", " · ")

export const isUnclaimed = (i: Incident) => i.status === "open" && i.owner.kind === "queue"
