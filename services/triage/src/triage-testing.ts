import { Effect, Layer, Redacted } from "effect"
import { type DeviceEvent, laneOfEvent } from "@wt/contracts"
import { TestDatabase } from "@wt/db/testing"
import { CareAlarmHistory, IncidentStore, OpenIncidentIndex, SupervisionStorms } from "@wt/incident-store"
import type { MessageMeta } from "@wt/nats"
import { NatsTestServer } from "@wt/nats/testing"
import { Registry } from "@wt/registry"
import { DemoSeeder } from "@wt/registry/demo"

/**
 * What triage's handlers run against, for its tests and `pnpm bench triage-now`: a NATS server and a
 * database of their own, the demo tenant seeded with `residents` residents and their devices, and
 * triage's engine (incident store, storms, care-alarm history, registry) as main.ts wires it.
 */
export const seededTriageEnv = (residents: number) => {
  const seeded = Layer.effectDiscard(
    Effect.gen(function*() {
      yield* (yield* DemoSeeder).seed({ ingestKey: Redacted.make("test-ingest-key-0123456789"), password: Redacted.make("pw-not-used"), residents })
    }).pipe(Effect.orDie)
  ).pipe(Layer.provide(DemoSeeder.layer))
  return Layer.mergeAll(SupervisionStorms.layer, seeded).pipe(
    Layer.provideMerge(Layer.mergeAll(IncidentStore.layer, OpenIncidentIndex.layer, CareAlarmHistory.layer)),
    Layer.provideMerge(Registry.layer),
    Layer.provideMerge(TestDatabase),
    Layer.provideMerge(NatsTestServer.layerNats)
  )
}

/** A first delivery's meta as consume gives it; triage reads only the raw bytes and the sequence, for a dead letter. */
export const deliveredMetaOf = (event: DeviceEvent, streamSeq = 1): MessageMeta => ({
  subject: `wt.dev.${event.tenant}.${laneOfEvent(event)}.${event.type}.${event.deviceId}`,
  streamSeq,
  deliveries: 1,
  storedAtMs: Date.now(),
  pending: 0,
  raw: new TextEncoder().encode(JSON.stringify(event)),
  headers: undefined
})
