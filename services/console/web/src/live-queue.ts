import { useEffect, useState } from "preact/hooks"
import { api, type Incident } from "./api.ts"
import { ActiveStatuses, byUrgency } from "./format.ts"

export interface LiveEvent {
  readonly event: { readonly type: string; readonly at: string; readonly incidentId: string }
  readonly state: Incident
}

type Listener = (news: LiveEvent) => void

/** Why the server ended the stream: signed out (or expired), or the user's role or tenants changed. */
export type SessionEnd = "signed_out" | "changed"

/**
 * The later of two readings of one incident. Answers come back in any order: a read of the
 * incident sent before the operator claimed it can arrive after the stream's claim, and must not
 * put the incident back to unclaimed (the dispatch form then vanished until the next change).
 */
export const newerOf = (known: Incident | undefined, next: Incident): Incident =>
  known === undefined || known.version <= next.version ? next : known

/**
 * The live queue: the server's list once, then every incident record from `/api/stream`.
 * The stream is opened first and the list read once it is connected, so nothing stored in
 * between is missed; a record only replaces an older version of the same incident.
 * The stream authenticates with the session cookie, like every other request of the page.
 */
export class LiveQueue {
  private readonly incidents = new Map<string, Incident>()
  private readonly listeners = new Set<Listener>()
  private readonly changeListeners = new Set<() => void>()
  private source: EventSource | undefined
  /** Incidents the stream told of since it (re)connected: newer than any list read after that. */
  private heardSinceOpen = new Set<string>()
  connected = false
  private readonly onSessionEnd: (reason: SessionEnd) => void

  constructor(onSessionEnd: (reason: SessionEnd) => void) {
    this.onSessionEnd = onSessionEnd
  }

  start() {
    const source = new EventSource("/api/stream")
    this.source = source
    source.addEventListener("open", () => {
      this.connected = true
      this.heardSinceOpen = new Set()
      // After a reconnect the list is read again: the stream does not replay what was missed.
      // What the list no longer holds (ended, or of a tenant no longer ours) goes, unless the
      // stream has told of it since.
      void api.queue().then((list) => {
        const listed = new Set(list.map((i) => i.incidentId))
        for (const id of [...this.incidents.keys()]) if (!listed.has(id) && !this.heardSinceOpen.has(id)) this.incidents.delete(id)
        for (const incident of list) this.put(incident)
        this.changed()
      }, () => undefined)
    })
    // The server ends the stream when the session ends or its scope changes; the page starts over.
    source.addEventListener("session", (message) => {
      const { ended } = JSON.parse((message as MessageEvent<string>).data) as { ended: SessionEnd }
      this.stop()
      this.connected = false
      this.onSessionEnd(ended)
    })
    source.addEventListener("error", () => {
      this.connected = false
      this.changed()
    })
    source.addEventListener("incident", (message) => {
      const news = JSON.parse((message as MessageEvent<string>).data) as LiveEvent
      this.heardSinceOpen.add(news.state.incidentId)
      this.put(news.state)
      for (const listener of this.listeners) listener(news)
      this.changed()
    })
  }

  stop() {
    this.source?.close()
    this.source = undefined
  }

  /** Active incidents, most urgent first, then oldest. */
  list(): Array<Incident> {
    return [...this.incidents.values()].filter((i) => ActiveStatuses.has(i.status)).sort(byUrgency)
  }

  get(id: string): Incident | undefined {
    return this.incidents.get(id)
  }

  /** Also used for answers to the operator's own commands, which may beat the stream. */
  put(incident: Incident) {
    this.incidents.set(incident.incidentId, newerOf(this.incidents.get(incident.incidentId), incident))
    this.changed()
  }

  onEvent(listener: Listener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener)
    return () => this.changeListeners.delete(listener)
  }

  private changed() {
    for (const listener of this.changeListeners) listener()
  }
}

/** Re-renders the caller whenever the queue changes. */
export const useQueue = (queue: LiveQueue): Array<Incident> => {
  const [, setTick] = useState(0)
  useEffect(() => queue.onChange(() => setTick((n) => n + 1)), [queue])
  return queue.list()
}

/** A clock for ages that count up. */
export const useNow = (everyMs = 1000): number => {
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs)
    return () => clearInterval(timer)
  }, [everyMs])
  return now
}
