import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { call, ConsoleTestLayer, openIncident, project, signIn } from "./console-fixture.ts"

const address = { kind: "temporary", street: "Fjordvik helsehus, korttidsavdeling", postcode: "9990", city: "Fjordvik", lat: 69.1502, lon: 17.4187 }

layer(ConsoleTestLayer, { excludeTestServices: true })("console handover commands", (it) => {
  it.effect("an operator asks for a call-out to the address they confirmed, after claiming; and may cancel it", () =>
    Effect.gen(function*() {
      yield* openIncident("demo", "handover-1")
      const { token } = yield* signIn("operator")
      const early = yield* call("POST", "/api/incidents/handover-1/dispatch", { token, body: { address, reason: "fall" } })
      expect(early.status).toBe(409)

      yield* call("POST", "/api/incidents/handover-1/claim", { token })
      const requested = yield* call("POST", "/api/incidents/handover-1/dispatch", { token, body: { address, reason: "fall, cannot get up" } })
      expect(requested.status).toBe(200)
      expect(requested.body).toMatchObject({ status: "dispatching", handover: { no: 1, stage: "requested", address, reason: "fall, cannot get up" } })

      const bad = yield* call("POST", "/api/incidents/handover-1/dispatch", { token, body: { address: { ...address, lat: 123 }, reason: "x" } })
      expect(bad.status).toBe(400)

      const cancelled = yield* call("POST", "/api/incidents/handover-1/dispatch/cancel", { token, body: { reason: "resident fine after all" } })
      expect(cancelled.status).toBe(200)
      expect(cancelled.body).toMatchObject({ status: "claimed", handover: { stage: "cancelled" }, owner: { kind: "operator" } })

      yield* project("demo", "handover-1")
      const timeline = yield* call("GET", "/api/incidents/handover-1/timeline", { token })
      const entry = (timeline.body as { entries: Array<{ kind: string; handlingCode?: number }> }).entries.find((e) => e.kind === "handover_requested")
      expect(entry?.handlingCode).toBe(4)
    }))

  it.effect("another tenant's incident cannot be dispatched", () =>
    Effect.gen(function*() {
      yield* openIncident("north", "handover-north")
      const { token } = yield* signIn("operator")
      expect((yield* call("POST", "/api/incidents/handover-north/dispatch", { token, body: { address, reason: "x" } })).status).toBe(404)
    }))
})
