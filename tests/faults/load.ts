import { randomUUID } from "node:crypto"
import { Result } from "effect"
import type { DeviceEvent } from "@wt/contracts"
import { makeFleetEvents, type SimFleet } from "@wt/sim-devices"

/** One event the load sent, and what became of it. */
export interface SentEvent {
  readonly id: string
  readonly deviceId: string
  readonly type: DeviceEvent["type"]
  /** A care alarm of the load's own: it must end in exactly one incident. */
  readonly careAlarm: boolean
  /** When the first attempt was posted (ms). */
  readonly firstPostAt: number
  /** When a gateway answered 202 for it (ms); undefined while not accepted. */
  acceptedAt?: number
  /** Attempts until accepted (or until given up). */
  attempts: number
}

export interface LoadOptions {
  /** Every gateway copy: a request that gets no answer, or 503, goes to the next one. */
  readonly ingestUrls: ReadonlyArray<string>
  readonly ingestKey: string
  readonly fleet: SimFleet
  /** Telemetry and technical events per second (heartbeats, positions), in batches. */
  readonly bulkPerSecond: number
  /** Care alarms per second, one request each as an alarm unit sends them. */
  readonly alarmsPerSecond: number
  /** How long one request may take before it counts as unanswered. */
  readonly requestTimeoutMs?: number
  /** How long an event is sent again before the load gives up on it (never accepted: reported, not lost). */
  readonly giveUpAfterMs?: number
}

const CareTriggers = ["pendant", "button", "pull_cord", "fall_detector"] as const
const BatchesPerSecond = 4

type Outcome = { readonly accepted: ReadonlyArray<string>; readonly retry: ReadonlyArray<number> } | "no-answer"

/**
 * A steady mixed load over HTTP, as a fleet's vendor platforms and alarm units send it:
 * heartbeats and positions in batches, care alarms one per request, spread over every gateway
 * copy. What is not stored (no answer, 503, a rejection saying "not stored, retry") is sent
 * again with the same ids to the next copy until a 202 takes it, as a device retries: the ids
 * make that safe. Keeps a ledger of every event and when it was accepted.
 */
export const startLoad = (options: LoadOptions) => {
  const sent = new Map<string, SentEvent>()
  const counts = { requests: 0, noAnswer: 0, unavailable: 0, rateLimited: 0, rejected: 0, givenUp: 0 }
  const rejections: Array<string> = []
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000
  const giveUpAfterMs = options.giveUpAfterMs ?? 180_000
  let stopped = false
  let nextCopy = 0

  const alarms = options.fleet.residents.flatMap((r) => {
    const device = r.devices.find((d) => d.type === "safety_alarm")
    if (device === undefined) return []
    const trigger = CareTriggers.find((t) => device.triggers === undefined || device.triggers.includes(t)) ?? "pendant"
    return [{ deviceId: device.id, trigger }]
  })
  let alarmCursor = 0
  // Heartbeats and positions only: every care alarm is the load's own, so each one's fate is known.
  const made = makeFleetEvents(options.fleet, { seed: 19, idSalt: Date.now() & 0xffff, mix: "normal" })
  if (Result.isFailure(made)) throw new Error(made.failure.reason)
  const bulkEvents = made.success
  const nextBulk = (): DeviceEvent => {
    while (true) {
      const e = bulkEvents.next(Date.now())
      if (e.type === "technical" || e.type === "gps") return e
    }
  }

  const post = async (url: string, body: ReadonlyArray<DeviceEvent> | DeviceEvent): Promise<Outcome> => {
    counts.requests++
    try {
      const response = await fetch(`${url}/v1/events`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${options.ingestKey}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(requestTimeoutMs)
      })
      const answer = (await response.json().catch(() => ({}))) as { accepted?: ReadonlyArray<string>; rejected?: ReadonlyArray<{ index: number; reason: string }> }
      if (response.status === 202 || response.status === 400 || response.status === 429 || response.status === 503) {
        if (response.status === 503) counts.unavailable++
        if (response.status === 429) counts.rateLimited++
        const retry: Array<number> = []
        for (const r of answer.rejected ?? []) {
          // Not stored or over a limit: send again. Anything else is the load's own mistake: say so.
          if (/not stored|rate limit|retry/i.test(r.reason)) retry.push(r.index)
          else {
            counts.rejected++
            if (rejections.length < 10) rejections.push(r.reason)
          }
        }
        return { accepted: answer.accepted ?? [], retry }
      }
      counts.noAnswer++
      return "no-answer"
    } catch {
      counts.noAnswer++
      return "no-answer"
    }
  }

  /** Sends until every event is accepted (or given up), each attempt to the next gateway copy. */
  const deliver = async (events: ReadonlyArray<DeviceEvent>, single: boolean) => {
    let pending = [...events]
    const started = Date.now()
    while (pending.length > 0) {
      const url = options.ingestUrls[nextCopy++ % options.ingestUrls.length]!
      for (const e of pending) sent.get(e.id)!.attempts++
      const outcome = await post(url, single ? pending[0]! : pending)
      const now = Date.now()
      if (outcome !== "no-answer") {
        for (const id of outcome.accepted) {
          const s = sent.get(id)
          if (s !== undefined && s.acceptedAt === undefined) s.acceptedAt = now
        }
        const retry = new Set(outcome.retry)
        pending = pending.filter((e, i) => retry.has(i) && sent.get(e.id)!.acceptedAt === undefined)
      }
      if (pending.length === 0) return
      if (now - started > giveUpAfterMs) {
        counts.givenUp += pending.length
        return
      }
      // Straight to the other copy once; then a short pause, as a device's retry timer.
      await new Promise((resolve) => setTimeout(resolve, outcome === "no-answer" ? 100 : 250))
    }
  }

  const inFlight = new Set<Promise<void>>()
  const track = (p: Promise<void>) => {
    inFlight.add(p)
    void p.finally(() => inFlight.delete(p))
  }

  const record = (e: DeviceEvent, careAlarm: boolean) =>
    sent.set(e.id, { id: e.id, deviceId: e.deviceId, type: e.type, careAlarm, firstPostAt: Date.now(), attempts: 0 })

  const sendAlarm = () => {
    const alarm = alarms[alarmCursor++ % alarms.length]!
    const event = {
      id: randomUUID(),
      tenant: options.fleet.tenant.id,
      deviceId: alarm.deviceId,
      occurredAt: new Date().toISOString(),
      source: { via: "http", vendor: "wt-faults" },
      type: "safety_alarm",
      payload: { trigger: alarm.trigger }
    } as DeviceEvent
    record(event, true)
    track(deliver([event], true))
  }

  const sendBatch = (size: number) => {
    const batch = Array.from({ length: size }, nextBulk)
    for (const e of batch) record(e, false)
    track(deliver(batch, false))
  }

  // Paced by the clock, not by answers: a stalled gateway does not slow the devices down.
  const loop = (async () => {
    const t0 = Date.now()
    let alarmsSent = 0
    let bulkSent = 0
    while (!stopped) {
      const elapsedS = (Date.now() - t0) / 1000
      while (alarmsSent < Math.floor(elapsedS * options.alarmsPerSecond)) {
        sendAlarm()
        alarmsSent++
      }
      const bulkDue = Math.floor(elapsedS * options.bulkPerSecond) - bulkSent
      if (bulkDue >= Math.max(1, Math.floor(options.bulkPerSecond / BatchesPerSecond))) {
        sendBatch(bulkDue)
        bulkSent += bulkDue
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  })()

  return {
    sent: sent as ReadonlyMap<string, SentEvent>,
    counts: () => ({ ...counts, inFlight: inFlight.size, rejections: [...rejections] }),
    /** Stops sending new events and waits for what is being sent to be accepted or given up. */
    stop: async () => {
      stopped = true
      await loop
      while (inFlight.size > 0) await Promise.all([...inFlight])
    }
  }
}

export type Load = ReturnType<typeof startLoad>
