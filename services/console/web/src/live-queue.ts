import { useEffect, useState } from "preact/hooks"
import { api, type Incident } from "./api.ts"
import { ActiveStatuses, byUrgency } from "./format.ts"

export interface LiveEvent {
  readonly event: { readonly type: string; readonly at: string; readonly incidentId: string }
  readonly state: Incident
}

type Listener = (news: LiveEvent) => void

/**
 * The live queue: the server's list once, then every incident record from `/api/stream`.
 * The stream is opened first and the list read once it is connected, so nothing stored in
 * between is missed; a record only replaces an older version of the same incident.
 */
export class LiveQueue {
  private readonly incidents = new Map<string, Incident>()
  private readonly listeners = new Set<Listener>()
  private readonly changeListeners = new Set<() => void>()
  private source: EventSource | undefined
  connected = false

  start() {
    const source = new EventSource("/api/stream")
    this.source = source
    source.addEventListener("open", () => {
      this.connected = true
      // After a reconnect the list is read again: the stream does not replay what was missed.
      void api.queue().then((list) => {
        for (const incident of list) this.put(incident)
        this.changed()
      }, () => undefined)
    })
    source.addEventListener("error", () => {
      this.connected = false
      this.changed()
    })
    source.addEventListener("incident", (message) => {
      const news = JSON.parse((message as MessageEvent<string>).data) as LiveEvent
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
    const known = this.incidents.get(incident.incidentId)
    if (known === undefined || known.version <= incident.version) this.incidents.set(incident.incidentId, incident)
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
