import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream"
import type { NatsConnection } from "@nats-io/transport-node"

/**
 * The nats.js objects of one connection. They stay inside @wt/nats: code outside asks `Nats` for
 * typed operations, or hands a function to its `use` for the rare call that has none.
 */
export interface NatsClient {
  readonly nc: NatsConnection
  readonly js: JetStreamClient
  readonly jsm: JetStreamManager
}

/** Where a `Nats` keeps its client; not exported from the package, so only its own modules reach it. */
export const ClientKey: unique symbol = Symbol("wt/Nats/client")

/** The client of a `Nats`, for the package's own modules. */
export const clientOf = (nats: { readonly [ClientKey]: NatsClient }): NatsClient => nats[ClientKey]
