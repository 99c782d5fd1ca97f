import { Effect, Fiber, Schedule } from "effect"
import { makeRng } from "@wt/seeded-random"
import { arrivalPosition, type Behaviour, outcomes, respondToOffer } from "./behaviour.ts"

export interface SimulatedDevice {
  readonly token: string
  readonly kind: "member" | "contact"
}

export interface ResponderSimulationOptions {
  readonly url: string
  readonly members: ReadonlyArray<string>
  /** Next of kin devices; polled a few at a time, as people glance at their phones. */
  readonly contacts?: ReadonlyArray<string>
  readonly behaviour: Behaviour
  readonly seed: number
  readonly pollMs?: number
  readonly contactAcceptShare?: number
  readonly onStep?: (step: string, incidentId: string) => void
}

export interface ResponderStats {
  offersSeen: number
  accepted: number
  rejected: number
  ignored: number
  completed: number
  contactAnswers: number
  errors: number
}

const call = (url: string, token: string, method: "GET" | "POST", body?: unknown) =>
  Effect.tryPromise(async () => {
    const response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {})
    })
    return { status: response.status, body: (await response.json().catch(() => ({}))) as any }
  })

/**
 * Simulated responders against the responder API: each team member's phone polls its offers,
 * and for each new one accepts after a few seconds, sets out, travels, arrives and completes
 * in compressed time, or now and then rejects it or does not answer. Next of kin answer
 * cascade calls. Runs until interrupted; the same code drives the demo and load tests.
 */
export const runResponderSimulation = Effect.fnUntraced(function*(options: ResponderSimulationOptions, stats: ResponderStats) {
  const rng = makeRng(options.seed, 7)
  const pollMs = options.pollMs ?? 1000
  const seen = new Set<string>()
  const fibers = new Set<Fiber.Fiber<unknown, unknown>>()
  const step = (name: string, incidentId: string) => Effect.sync(() => options.onStep?.(name, incidentId))
  const post = (token: string, incidentId: string, action: string, body: unknown = {}) =>
    call(`${options.url}/v1/responder/incidents/${incidentId}/${action}`, token, "POST", body).pipe(
      Effect.tap((a): Effect.Effect<void> => (a.status >= 300 ? Effect.sync(() => void stats.errors++) : step(action, incidentId))),
      Effect.map((a) => a.status < 300)
    )

  const carryOut = Effect.fnUntraced(function*(token: string, offer: any) {
    const plan = respondToOffer(rng, options.behaviour)
    if (plan.kind === "ignore") {
      stats.ignored++
      return
    }
    yield* Effect.sleep(plan.afterMs)
    if (plan.kind === "reject") {
      if (yield* post(token, offer.incidentId, "reject", { offerNo: offer.offerNo, reason: "busy with another visit" })) stats.rejected++
      return
    }
    if (!(yield* post(token, offer.incidentId, "accept", { offerNo: offer.offerNo, etaMinutes: plan.etaMinutes }))) return
    stats.accepted++
    yield* Effect.sleep(plan.startMs)
    if (!(yield* post(token, offer.incidentId, "en-route"))) return
    yield* Effect.sleep(plan.travelMs)
    if (offer.access?.kind === "e_lock") yield* post(token, offer.incidentId, "unlock")
    if (!(yield* post(token, offer.incidentId, "on-site", arrivalPosition(rng, offer.address, plan.wrongAddress)))) return
    yield* Effect.sleep(plan.visitMs)
    if (yield* post(token, offer.incidentId, "complete", { outcome: rng.pick(outcomes) })) stats.completed++
  })

  const pollMember = Effect.fnUntraced(
    function*(token: string) {
      const answer = yield* call(`${options.url}/v1/responder/offers`, token, "GET")
      if (answer.status !== 200) return
      for (const offer of answer.body.offers ?? []) {
        const key = `${offer.incidentId}:${offer.callOut}:${offer.offerNo}`
        if (seen.has(key)) continue
        seen.add(key)
        stats.offersSeen++
        const fiber = yield* Effect.forkDetach(carryOut(token, offer).pipe(Effect.catch(() => Effect.sync(() => stats.errors++))))
        fibers.add(fiber)
        fiber.addObserver(() => fibers.delete(fiber))
      }
    },
    Effect.catch(() => Effect.sync(() => stats.errors++))
  )

  const contacts = options.contacts ?? []
  let cursor = 0
  const pollContacts = Effect.gen(function*() {
    const batch = contacts.slice(cursor, cursor + 10)
    cursor = cursor + 10 >= contacts.length ? 0 : cursor + 10
    for (const token of batch) {
      const answer = yield* call(`${options.url}/v1/responder/offers`, token, "GET")
      for (const c of answer.status === 200 ? answer.body.calls ?? [] : []) {
        const key = `${token}:${c.incidentId}:${c.position}`
        if (seen.has(key)) continue
        seen.add(key)
        if (rng.chance(options.contactAcceptShare ?? 0.5)) {
          if (yield* post(token, c.incidentId, "answer", { accepted: true })) stats.contactAnswers++
        }
      }
    }
  }).pipe(Effect.catch(() => Effect.sync(() => stats.errors++)))

  yield* Effect.addFinalizer(() => Effect.forEach([...fibers], (f) => Fiber.interrupt(f), { discard: true }))
  const pollAll = Effect.gen(function*() {
    yield* Effect.forEach(options.members, pollMember, { concurrency: 4, discard: true })
    if (contacts.length > 0) yield* pollContacts
  })
  return yield* Effect.repeat(pollAll, Schedule.spaced(pollMs))
})
