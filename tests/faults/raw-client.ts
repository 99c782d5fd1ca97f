import type { Nats, NatsClient } from "@wt/nats"

/**
 * The fault suite looks below what the services do (ordered consumers over whole streams, a
 * stream's leader, racing conditional publishes), which the typed operations of `Nats` do not
 * offer: it takes the nats.js client through `use`, the one way out of `@wt/nats` for it.
 */
export const rawClientOf = (nats: Nats["Service"]) => nats.use((client): Promise<NatsClient> => Promise.resolve(client))
