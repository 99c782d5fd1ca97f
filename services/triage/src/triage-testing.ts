import { Effect, Layer, Redacted } from "effect"
import { TestDatabase } from "@wt/db/testing"
import { CareAlarmHistory, IncidentStore, OpenIncidentIndex, SupervisionStorms } from "@wt/incident-store"
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
