import { afterAll, expect, layer } from "@effect/vitest"
import { randomBytes } from "node:crypto"
import { Effect } from "effect"
import { demoFleet } from "@wt/registry/demo"
import { alarmDevice, pendantAlarm } from "../support/events.ts"
import { eventually, postJson, queuedIncident, signIn } from "../support/http.ts"
import { type CollectedSpan, startOtlpCollector } from "../support/otlp-collector.ts"
import { E2ESystem } from "../support/system.ts"

// The collector must be listening before the services start: they read the endpoint at start.
const collector = await startOtlpCollector()
afterAll(() => collector.close())

const Producer = 4
const Consumer = 5

const services = (spans: ReadonlyArray<CollectedSpan>) => [...new Set(spans.map((s) => s.service))].sort()

layer(
  E2ESystem.layerWith({
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      // Exported every 200 ms instead of every 5 s, so the test does not wait on batching.
      OTEL_BSP_SCHEDULE_DELAY: "200"
    }
  }),
  { excludeTestServices: true, timeout: "90 seconds" }
)("one alarm, one trace across the services", (it) => {
  it.effect("a pendant alarm posted to the gateway yields spans of gateway, triage, projector, audit, console and dispatch sharing one trace id", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const token = yield* signIn(sys.consoleUrl, "operator", sys.password)
      const { deviceId, residentId } = alarmDevice(12)
      const alarm = pendantAlarm(deviceId)
      // The sender's own trace context: the gateway continues it, so the trace's id is known here.
      const traceId = randomBytes(16).toString("hex")
      const accepted = yield* postJson(`${sys.ingestUrl}/v1/events`, alarm, {
        authorization: `Bearer ${sys.ingestKey}`,
        traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01`
      })
      expect(accepted.status).toBe(202)
      yield* queuedIncident(sys.consoleUrl, token, residentId, { timeoutMs: 5000, intervalMs: 20 })

      const expected = ["audit", "console", "dispatch", "gateway", "projector", "triage"]
      // A span is exported when it ends, and a delivery ends after the publishes it made: triage's
      // publish of the incident can be in one batch and its delivery span in the next. So the wait
      // is for the spans this test names, not only for a span of each service.
      const triageDeliveryIn = (spans: ReadonlyArray<CollectedSpan>) =>
        spans.find((s) => s.service === "triage" && s.kind === Consumer && s.name.startsWith("Nats.consume WT_DEVICE/"))
      const projectorReadIn = (spans: ReadonlyArray<CollectedSpan>) =>
        spans.find((s) => s.service === "projector" && s.kind === Consumer)
      const trace = yield* eventually(
        Effect.sync(() => {
          const inTrace = collector.spans.filter((s) => s.traceId === traceId)
          const has = (spanId: string | undefined) => inTrace.some((s) => s.spanId === spanId)
          const complete = expected.every((service) => inTrace.some((s) => s.service === service)) &&
            has(triageDeliveryIn(inTrace)?.parentSpanId) && has(projectorReadIn(inTrace)?.parentSpanId)
          return complete ? inTrace : undefined
        }),
        20_000,
        100
      ).pipe(Effect.catchDefect(() => Effect.succeed(collector.spans.filter((s) => s.traceId === traceId))))
      console.log(`trace ${traceId}: ${trace.length} spans from ${services(trace).join(", ")}`)
      expect(services(trace)).toEqual(expect.arrayContaining(expected))

      // The hops are parent and child: triage's delivery continues the gateway's publish, and
      // the projector's read continues triage's publish of the incident.
      const byId = new Map(trace.map((s) => [s.spanId, s]))
      const gatewayPublish = trace.filter((s) => s.service === "gateway" && s.kind === Producer)
      expect(gatewayPublish.length).toBeGreaterThan(0)
      const triageDelivery = triageDeliveryIn(trace)
      expect(triageDelivery).toBeDefined()
      expect(byId.get(triageDelivery!.parentSpanId!)?.service).toBe("gateway")
      const projectorRead = projectorReadIn(trace)
      expect(projectorRead).toBeDefined()
      const incidentPublish = byId.get(projectorRead!.parentSpanId!)
      expect(incidentPublish).toMatchObject({ service: "triage", kind: Producer })

      // A trace leaves the installation like a log line does: no resident's name or address in it.
      const resident = demoFleet().residents[12]!
      const exported = collector.bodies.join("\n")
      expect(exported).not.toContain(resident.displayName)
      for (const address of resident.addresses) expect(exported).not.toContain(address.street)
    }))
})
