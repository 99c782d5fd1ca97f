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

  const sendOne = () => {
    const alarm = alarms[cursor++ % alarms.length]!
    const event: DeviceEvent = {
      id: randomUUID(),
      tenant: options.fleet.tenant.id,
      deviceId: alarm.deviceId,
      occurredAt: new Date().toISOString(),
      source: { via: "http", vendor: "wt-bench" },
      type: "safety_alarm",
      payload: { trigger: alarm.trigger }
    } as DeviceEvent
    const probe: Probe = { id: event.id, postedAt: Date.now() }
    probes.set(event.id, probe)
    return fetch(`${options.ingestUrl}/v1/events`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${options.ingestKey}` },
      body: JSON.stringify(event)
    }).then(async (r) => {
      await r.arrayBuffer()
      return r.status === 202
    }).catch(() => false)
  }

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
  return { run, answeredAll, answers: () => ({ ...answers }) }
})

export const phaseSummary = (phase: P1Phase) => ({
  accepted_to_stream: summarize(phase.latencies, phase.missing),
  client_to_stream: summarize(phase.clientLatencies, phase.missing),
  sent: phase.sent
})
