import { ConfigProvider, Effect, Layer, Redacted } from "effect"
import { databaseLayer, migrate } from "@wt/db"
import { makeNats, Nats, type NatsClientAccess, natsSettingsFromEnv, NatsUnavailable } from "@wt/nats"
import { operatorUserEnv } from "./nats-access.ts"
import { provisionInstallation } from "./provision.ts"
import { Registry } from "@wt/registry"
import { DemoSeeder, type DemoRespondersOption } from "@wt/registry/demo"

export interface BootstrapOptions {
  readonly natsUrl: string
  /** The `provision` user's credentials for a NATS this installation runs; unset, from the environment (`NATS_*_PROVISION`, else `NATS_*`). */
  readonly natsAccess?: NatsClientAccess
  /** Replicas of every stream and bucket (3 on a cluster); unset, `NATS_STREAM_REPLICAS` (default 1). */
  readonly replicas?: number
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
 * The installation's streams and buckets, sized by the same `NATS_*` settings the services read,
 * made as the `provision` user.
 */
export const provision = Effect.fn("Launcher.provision")(function*(options: {
  readonly natsUrl: string
  readonly natsAccess?: NatsClientAccess | undefined
  readonly replicas?: number | undefined
}) {
  const env = { ...process.env, ...operatorUserEnv("provision", process.env) }
  const settings = yield* natsSettingsFromEnv.parse(ConfigProvider.fromEnv({ env: env as Record<string, string> })).pipe(
    Effect.mapError((error) => new NatsUnavailable({ message: `NATS settings: ${error.message}` }))
  )
  const own = { ...settings, url: options.natsUrl, name: "wt-provision", ...options.natsAccess, ...(options.replicas === undefined ? {} : { replicas: options.replicas }) }
  yield* Effect.scoped(
    Effect.flatMap(makeNats(own), (nats) => provisionInstallation(own).pipe(Effect.provideService(Nats, nats)))
  )
})

/**
 * Makes an installation ready before its services start: streams and buckets provisioned,
 * migrations applied, demo tenant seeded. Each step is idempotent.
 */
export const bootstrap = Effect.fn("Launcher.bootstrap")(function*(options: BootstrapOptions) {
  yield* provision({ natsUrl: options.natsUrl, natsAccess: options.natsAccess, replicas: options.replicas })
  return yield* Effect.gen(function*() {
    yield* migrate
    if (!options.seed) return undefined
    const seeder = yield* DemoSeeder
    return yield* seeder.seed({
      ingestKey: options.ingestKey,
      password: options.password,
      neighbour: true,
      ...(options.residents !== undefined ? { residents: options.residents } : {}),
      ...(options.heartbeatIntervalS !== undefined ? { heartbeatIntervalS: options.heartbeatIntervalS } : {}),
      ...(options.responders !== undefined ? { responders: options.responders } : {}),
      ...(options.dc09KeySecret !== undefined ? { dc09KeySecret: options.dc09KeySecret } : {})
    })
  }).pipe(
    Effect.provide(DemoSeeder.layer.pipe(Layer.provide(Registry.layer))),
    Effect.provide(databaseLayer({ url: Redacted.make(options.databaseUrl), poolMax: 1, applicationName: "wt-launcher" }))
  )
})
