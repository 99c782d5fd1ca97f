import { Context, Effect, Layer, type Redacted } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { keyAccessSealFromConfig, type KeySafeCodeUnavailable } from "../key-access.ts"
import { Registry } from "../registry.ts"
import type { RegistryRowInvalid } from "../rows.ts"
import { seedDemoFleet } from "./demo-fleet-seed.ts"
import { DemoTenantDigit, NeighbourTenantDigit } from "./demo-identities.ts"
import { type DemoRespondersOption, seedDemoResponders } from "./demo-responders.ts"
import { NeighbourTenantId, seedNeighbourTenant } from "./neighbour-tenant.ts"
import { seedDemoIdentities } from "./seed-identities.ts"

export interface SeedDemoOptions {
  readonly ingestKey: string | Redacted.Redacted<string>
  readonly password: string | Redacted.Redacted<string>
  readonly tenant?: string
  readonly residents?: number
  /** Every device's expected heartbeat interval; tests and compressed scenarios shorten it. */
  readonly heartbeatIntervalS?: number
  /** Also seed the small second tenant `north` and its users (see neighbour-tenant.ts). */
  readonly neighbour?: boolean
  /** The demo's responder phones (see demo-responders.ts): issued only while its simulated responders run. */
  readonly responders?: DemoRespondersOption
  /**
   * What the demo's DC-09 keys derive from (see demo-identities.ts). Every demo device gets its
   * protocol identities either way; without it no demo unit encrypts.
   */
  readonly dc09KeySecret?: Redacted.Redacted<string>
}

export interface SeedSummary {
  readonly tenant: string
  readonly residents: number
  readonly devices: number
  readonly users: ReadonlyArray<string>
  /** The demo's responder device tokens, when they were seeded: for the data directory and the simulator. */
  readonly responderTokens?: Redacted.Redacted<Readonly<Record<string, string>>>
}

/**
 * Writes the demo into the registry: the demo tenant's fleet, plans, users and ingest key, its
 * dispatch side and its devices' wire identities (and the small neighbour tenant when asked).
 * Apart from the registry, so that production code never carries the demo: only what starts a
 * demo (the launcher, `wt seed`, tests) provides this layer. Key-safe codes are sealed under the
 * installation key the configuration names when the layer is built, as the registry's are.
 */
export class DemoSeeder extends Context.Service<DemoSeeder, {
  /** Upserts the demo; safe to run on every start. The registry in this process sees it at once. */
  readonly seed: (options: SeedDemoOptions) => Effect.Effect<SeedSummary, SqlError | RegistryRowInvalid | KeySafeCodeUnavailable>
}>()("wt/DemoSeeder") {
  static readonly layer = Layer.effect(
    DemoSeeder,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const registry = yield* Registry
      const keyAccess = yield* keyAccessSealFromConfig

      const seed = Effect.fn("DemoSeeder.seed")(function*(options: SeedDemoOptions) {
        const summary = yield* seedDemoFleet(options, keyAccess.seal)
        const responders = yield* seedDemoResponders({
          tenant: summary.tenant,
          ...(options.responders !== undefined ? { responders: options.responders } : {})
        })
        yield* seedDemoIdentities(summary.tenant, DemoTenantDigit, options.dc09KeySecret)
        if (options.neighbour === true) {
          yield* seedNeighbourTenant(options.password, keyAccess.seal)
          yield* seedDemoIdentities(NeighbourTenantId, NeighbourTenantDigit, options.dc09KeySecret)
        }
        yield* registry.forgetCached
        return responders.tokens === undefined ? summary : { ...summary, responderTokens: responders.tokens }
      }, Effect.provideService(SqlClient.SqlClient, sql))

      return DemoSeeder.of({ seed })
    })
  )
}
