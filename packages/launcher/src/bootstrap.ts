import { Effect, Redacted } from "effect"
import { databaseLayer, migrate } from "@wt/db"
import { Nats, NatsConfig, provisionStreams } from "@wt/nats"
import { type DemoRespondersOption, Registry } from "@wt/registry"

export interface BootstrapOptions {
  readonly natsUrl: string
  readonly databaseUrl: string
  readonly ingestKey: Redacted.Redacted<string>
  readonly password: Redacted.Redacted<string>
  /** Seed the demo tenant (idempotent). */
  readonly seed: boolean
  /** Residents in the demo tenant (default 300). */
  readonly residents?: number
  readonly heartbeatIntervalS?: number
  /** The demo's responder phones: tokens to keep (new ones issued where missing), or "off" to remove them. */
  readonly responders?: DemoRespondersOption
  /** What the demo's DC-09 AES keys derive from (`demoDc09KeySecret`); without it no demo unit encrypts. */
  readonly dc09KeySecret?: Redacted.Redacted<string>
}

/**
 * Makes an installation ready before its services start: streams provisioned,
 * migrations applied, demo tenant seeded. Each step is idempotent.
 */
export const bootstrap = Effect.fn("Launcher.bootstrap")(function*(options: BootstrapOptions) {
  yield* provisionStreams.pipe(
    Effect.provide(Nats.layer),
    Effect.provide(NatsConfig.layerWith({ url: options.natsUrl, name: "wt-launcher" }))
  )
  return yield* Effect.gen(function*() {
    yield* migrate
    if (!options.seed) return undefined
    const registry = yield* Registry
    return yield* registry.seedDemo({
      ingestKey: options.ingestKey,
      password: options.password,
      neighbour: true,
      ...(options.residents !== undefined ? { residents: options.residents } : {}),
      ...(options.heartbeatIntervalS !== undefined ? { heartbeatIntervalS: options.heartbeatIntervalS } : {}),
      ...(options.responders !== undefined ? { responders: options.responders } : {}),
      ...(options.dc09KeySecret !== undefined ? { dc09KeySecret: options.dc09KeySecret } : {})
    })
  }).pipe(
    Effect.provide(Registry.layer),
    Effect.provide(databaseLayer({ url: Redacted.make(options.databaseUrl), poolMax: 1, applicationName: "wt-launcher" }))
  )
})
