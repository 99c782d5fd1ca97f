import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import type { DeviceEvent } from "@wt/contracts"
import type { SimFleet } from "@wt/sim-devices"
import { bearer, postJson } from "../support/http.ts"
import { openStream, type SseEvent } from "../support/sse.ts"
import { summarize } from "./figures.ts"
import { answerDue, type DueAnswer } from "../support/answer-due.ts"

/** One P1 sent: when the client posted it, and when (by the gateway's clock stamp) ingest accepted it. */
interface Probe {
  readonly id: string
  readonly postedAt: number
  acceptedAt?: number
  arrivedAt?: number
}

export interface P1Phase {
  /** Ingest accepted (the gateway's `receivedAt`) → on the console's live stream, ms. */
  readonly latencies: ReadonlyArray<number>
  /** Client POST → on the live stream, ms, for comparison (includes the HTTP round trip). */
  readonly clientLatencies: ReadonlyArray<number>
  readonly sent: number
  /** Probes the gateway did not answer 202 (they cannot reach the stream). */
  readonly unaccepted: number
  readonly missing: number
}

/** How long the benchmark's operator takes to answer a probe: well inside the 30 s before a P1 escalates. */
const AnswerAfterMs = 5_000

/**
 * A care alarm the operator leaves unanswered, to time its escalation in the storm: swept by
 * supervision at the bulk processes' low priority, it came 6 s late there, so the console sweeps
 * now (decisions 30, 31); this keeps watch that nothing holds it back again.
 */
interface Held {
  readonly eventId: string
  accepted?: boolean
  incidentId?: string
  /** On the live stream: the incident opened, then escalated (ms since epoch). */
  openedAt?: number
  escalatedAt?: number
  /** What the escalation says it waited, from the incident's opening to the sweep that found it. */
  unclaimedForMs?: number
  /** Correlated into an incident already open: its wait is not this alarm's, so another resident's alarm is sent. */
  correlated?: boolean
}

/** Residents kept out of the probes' turn for the held alarm: one whose device is in an open incident (an absence) is passed over. */
const HeldResidents = 5

export interface HeldEscalation {
  /** The incident opened → escalated, both as they reached the console's live stream, ms. */
  readonly opened_to_escalated_ms: number | null
  /** From the escalation event: unclaimed from opening to the sweep that escalated, ms. */
  readonly unclaimed_for_ms: number | null
  /** `unclaimed_for_ms` past the P1 limit: how late the escalation watch's sweep came, ms. */
  readonly sweep_late_ms: number | null
  readonly limit_ms: number
  /** Held alarms the gateway accepted: one, and one more for each that joined an open incident. */
  readonly accepted: number
  readonly note?: string
}

/** The held alarm's escalation in words, for the log and the HTML report. */
export const describeEscalation = (e: Pick<HeldEscalation, "unclaimed_for_ms" | "sweep_late_ms" | "limit_ms" | "note">): string =>
  e.unclaimed_for_ms === null
    ? `— not timed: ${e.note ?? "no reason given"}`
    : `after ${e.unclaimed_for_ms} ms unclaimed (limit ${e.limit_ms}: the sweep ${e.sweep_late_ms} ms late)`

const CareTriggers = ["pendant", "button", "pull_cord", "fall_detector"] as const

/**
 * Sends care alarms (P1) one request each, as an alarm unit does, and times each until its
 * incident record (opened, or correlated into the resident's open incident) is on the
 * console's `/api/stream`. Residents are taken in turn so no one presses three times and
 * turns the probe into a "repeated alarms" case.
 */
export const makeP1Prober = Effect.fn("Bench.p1Prober")(function*(options: {
  readonly consoleUrl: string
  readonly ingestUrl: string
  readonly ingestKey: string
  readonly token: string
  readonly fleet: SimFleet
}) {
  const stream = yield* Effect.acquireRelease(openStream(`${options.consoleUrl}/api/stream`, options.token), (s) => Effect.sync(() => s.close()))
  const alarms = options.fleet.residents.flatMap((r) => {
    const device = r.devices.find((d) => d.type === "safety_alarm")
    if (device === undefined) return []
    const trigger = CareTriggers.find((t) => device.triggers === undefined || device.triggers.includes(t)) ?? "pendant"
    return [{ deviceId: device.id, trigger }]
  })
  // Residents kept out of the probes' turn, for the held alarm: its incident must be new.
  const heldAlarms = alarms.splice(-HeldResidents)
  let held: Held | undefined
  let heldAccepted = 0
  let cursor = 0
  let seen = 0
  const probes = new Map<string, Probe>()

  // An operator answers every P1 (the probes' and the pipeline's care alarms): claim, then resolve,
  // a few seconds after it is on the queue, as a response centre does. Left waiting, each was
  // escalated again every 30 s (13,306 escalations in one full run, each an incident record, an
  // audit entry and a row to project): load that a centre answering its alarms does not carry.
  const toAnswer: Array<DueAnswer> = []
  const answered = new Set<string>()
  let stopped = false
  // The status of the operator's request, 0 when it got no answer.
  const operator = (path: string, body: unknown) =>
    Effect.runPromise(
      postJson(`${options.consoleUrl}${path}`, body, bearer(options.token)).pipe(
        Effect.map((answer) => answer.status),
        Effect.catchCause(() => Effect.succeed(0))
      )
    )
  const answers = { resolved: 0, failed: 0 }

  const collect = () => {
    const events: ReadonlyArray<SseEvent> = stream.events
    for (; seen < events.length; seen++) {
      const e = events[seen]!
      const ev = e.data?.event
      if (e.event !== "incident" || ev === undefined) continue
      const incidentId: string | undefined = e.data?.state?.incidentId
      if (held !== undefined && incidentId !== undefined) {
        if (ev.type === "incident_opened" && ev.deviceEvent?.id === held.eventId) {
          held.incidentId = incidentId
          held.openedAt = e.receivedAt
          answered.add(incidentId)
        } else if (ev.type === "device_event_correlated" && ev.deviceEvent?.id === held.eventId) {
          held.correlated = true
          void sendHeld()
        } else if (ev.type === "incident_escalated" && incidentId === held.incidentId && held.escalatedAt === undefined) {
          held.escalatedAt = e.receivedAt
          held.unclaimedForMs = ev.unclaimedForMs
        }
      }
      if (ev.type === "incident_opened" && e.data?.state?.priority === "P1" && incidentId !== undefined && !answered.has(incidentId)) {
        answered.add(incidentId)
        toAnswer.push({ incidentId, dueAt: e.receivedAt + AnswerAfterMs })
      }
      if (ev.type !== "incident_opened" && ev.type !== "device_event_correlated") continue
      const probe = probes.get(ev.deviceEvent?.id)
      if (probe === undefined || probe.arrivedAt !== undefined) continue
      probe.arrivedAt = e.receivedAt
      const accepted = Date.parse(ev.deviceEvent.receivedAt)
      if (Number.isFinite(accepted)) probe.acceptedAt = accepted
    }
    // The stream keeps every record; drop what has been read so a long run does not hoard them.
    if (seen > 10_000) {
      stream.events.splice(0, seen)
      seen = 0
    }
  }

  const answering = (async () => {
    while (!stopped) {
      collect()
      const anyDue = await answerDue(toAnswer, operator, "benchmark probe, resident reassured", (resolved) => {
        if (resolved) answers.resolved++
        else answers.failed++
      })
      if (!anyDue) await new Promise((resolve) => setTimeout(resolve, 200))
    }
  })()
  yield* Effect.addFinalizer(() => Effect.promise(() => { stopped = true; return answering }))

  const post = (alarm: { readonly deviceId: string; readonly trigger: string }) => {
    const event: DeviceEvent = {
      id: randomUUID(),
      tenant: options.fleet.tenant.id,
      deviceId: alarm.deviceId,
      occurredAt: new Date().toISOString(),
      source: { via: "http", vendor: "wt-bench" },
      type: "safety_alarm",
      payload: { trigger: alarm.trigger }
    } as DeviceEvent
    const accepted = fetch(`${options.ingestUrl}/v1/events`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${options.ingestKey}` },
      body: JSON.stringify(event)
    }).then(async (r) => {
      await r.arrayBuffer()
      return r.status === 202
    }).catch(() => false)
    return { id: event.id, accepted }
  }

  const sendOne = () => {
    const { id, accepted } = post(alarms[cursor++ % alarms.length]!)
    probes.set(id, { id, postedAt: Date.now() })
    return accepted
  }

  /** Sends the care alarm the operator leaves unanswered (see `Held`), from the next resident kept for it. */
  const sendHeld = async () => {
    const alarm = heldAlarms.shift()
    if (alarm === undefined) return
    const { id, accepted } = post(alarm)
    const sent: Held = { eventId: id }
    held = sent
    sent.accepted = await accepted
    if (sent.accepted) heldAccepted++
  }
  const hold = Effect.promise(sendHeld)

  /**
   * Waits until the held alarm's incident is escalated (at most `timeoutMs` after it opened),
   * then hands it to the operator, who answers it as any other.
   */
  const heldEscalation = (limitMs: number, timeoutMs: number) =>
    Effect.promise(async (): Promise<HeldEscalation> => {
      const none = (note: string): HeldEscalation => ({ opened_to_escalated_ms: null, unclaimed_for_ms: null, sweep_late_ms: null, limit_ms: limitMs, accepted: heldAccepted, note })
      const started = Date.now()
      // The last one sent: one that joined an open incident has been followed by another. The
      // answering loop reads the live stream meanwhile (collect).
      while (held !== undefined && held.escalatedAt === undefined && Date.now() - (held.openedAt ?? started) < timeoutMs) {
        if (held.correlated === true && heldAlarms.length === 0) break
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      const h = held
      if (h === undefined || h.accepted !== true) return none("the held alarm was not accepted")
      if (h.incidentId !== undefined) toAnswer.push({ incidentId: h.incidentId, dueAt: Date.now() })
      if (h.correlated === true) return none(`each of the ${HeldResidents} residents kept for the held alarm had an incident open`)
      if (h.openedAt === undefined) return none("the held alarm's incident never reached the live stream")
      if (h.escalatedAt === undefined || h.unclaimedForMs === undefined) return none(`not escalated within ${timeoutMs} ms of opening`)
      return {
        opened_to_escalated_ms: h.escalatedAt - h.openedAt,
        unclaimed_for_ms: h.unclaimedForMs,
        sweep_late_ms: h.unclaimedForMs - limitMs,
        limit_ms: limitMs,
        accepted: heldAccepted
      }
    })

  /**
   * Sends `count` P1s `intervalMs` apart (or until `until` says stop, if given), then waits up
   * to `waitMs` for the last ones to arrive. Each phase's probes are reported on their own.
   */
  const run = (phase: { readonly count: number; readonly intervalMs: number; readonly waitMs: number; readonly until?: () => boolean }) =>
    Effect.promise(async (): Promise<P1Phase> => {
      probes.clear()
      const inFlight: Array<Promise<boolean>> = []
      for (let i = 0; i < phase.count; i++) {
        if (phase.until !== undefined && phase.until()) break
        inFlight.push(sendOne())
        collect()
        await new Promise((resolve) => setTimeout(resolve, phase.intervalMs))
      }
      const answers = await Promise.all(inFlight)
      const deadline = Date.now() + phase.waitMs
      while (Date.now() < deadline) {
        collect()
        if ([...probes.values()].every((p) => p.arrivedAt !== undefined)) break
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      collect()
      const all = [...probes.values()]
      const arrived = all.filter((p) => p.arrivedAt !== undefined)
      return {
        latencies: arrived.filter((p) => p.acceptedAt !== undefined).map((p) => p.arrivedAt! - p.acceptedAt!),
        clientLatencies: arrived.map((p) => p.arrivedAt! - p.postedAt),
        sent: all.length,
        unaccepted: answers.filter((ok) => !ok).length,
        missing: all.length - arrived.length
      }
    })

  /** Waits up to `timeoutMs` until the operator has answered every P1 seen so far. */
  const answeredAll = (timeoutMs: number) =>
    Effect.promise(async () => {
      const deadline = Date.now() + timeoutMs
      while (Date.now() < deadline && (toAnswer.length > 0 || seen < stream.events.length)) {
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      return toAnswer.length === 0
    })

  /** The P1 incidents the benchmark's operator resolved, and those it could not (claim or resolve refused). */
  return { run, answeredAll, hold, heldEscalation, answers: () => ({ ...answers }) }
})

export const phaseSummary = (phase: P1Phase) => ({
  accepted_to_stream: summarize(phase.latencies, phase.missing),
  client_to_stream: summarize(phase.clientLatencies, phase.missing),
  sent: phase.sent
})
