import { Effect, Metric, Option } from "effect"
import type { DeviceEvent } from "@wt/contracts"
import { routeDeviceEvent } from "@wt/incident-store"
import { type MessageMeta, sendDeadLetter } from "@wt/nats"
import { Registry } from "@wt/registry"
import { classify, DefaultRuleSet } from "@wt/triage-rules"

const decisions = Metric.counter("wt_triage_decisions_total", { description: "Device events triaged, by outcome and priority", incremental: true })
const latency = Metric.histogram("wt_triage_receive_to_incident_ms", {
  description: "Gateway receipt to incident stored, in ms",
  boundaries: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]
})

const count = (outcome: string, priority = "none") =>
  Metric.update(Metric.withAttributes(decisions, { outcome, priority }), 1)

/**
 * Triage of one stored device event: find whose device it is, apply the rules, and
 * put it into the resident's incident. A device the registry does not know is
 * never silently dropped: it goes to the dead letters with its bytes.
 */
export const triageDeviceEvent = Effect.fn("Triage.deviceEvent")(function*(event: DeviceEvent, meta: MessageMeta) {
  const registry = yield* Registry
  const owner = yield* registry.deviceOwner(event.tenant, event.deviceId)
  if (Option.isNone(owner)) {
    yield* sendDeadLetter({
      source: "triage",
      reason: `unknown device "${event.deviceId}" for tenant "${event.tenant}": not in the registry`,
      reasonKind: "unknown_device",
      raw: meta.raw,
      tenant: event.tenant,
      subject: meta.subject,
      streamSeq: meta.streamSeq,
      deliveries: meta.deliveries,
      msgId: `triage:unknown-device:${meta.streamSeq}`
    })
    yield* Effect.logWarning("device event from an unknown device sent to the dead letters").pipe(
      Effect.annotateLogs({ deviceId: event.deviceId, tenant: event.tenant, eventId: event.id })
    )
    return yield* count("unknown_device")
  }
  const decision = classify(event, DefaultRuleSet)
  if (decision === undefined) return yield* count("no_incident")
  const routed = yield* routeDeviceEvent(event, owner.value.residentId, decision)
  if (event.receivedAt !== undefined) {
    yield* Metric.update(latency, Math.max(0, Date.now() - Date.parse(event.receivedAt)))
  }
  yield* count(routed.opened ? "opened" : "correlated", decision.priority)
  if (routed.opened) {
    yield* Effect.logInfo("incident opened").pipe(
      Effect.annotateLogs({ incidentId: routed.incidentId, priority: decision.priority, rule: decision.ruleId, eventId: event.id })
    )
  }
})
