import { ensureStream, NatsConfig } from "@wt/nats"
import { Context, Effect, Layer } from "effect"
import { publishSigningKey } from "./seal-store.ts"
import { sealStreamSpec } from "./seal-stream.ts"
import type { AuditPublicKey } from "./seal-stream.ts"
import { runSealer, sealerSettingsConfig } from "./sealer.ts"
import { loadOrCreateSigningKey, signingKeyFileConfig } from "./signing-key.ts"

/**
 * Seals WT_AUDIT into WT_AUDIT_SEALS: provisions the seal stream, loads (or creates)
 * the signing key, publishes its public half and runs the sealer for the layer's life.
 */
export class AuditSealing extends Context.Service<AuditSealing, {
  readonly publicKey: AuditPublicKey
}>()("wt/AuditSealing") {
  static readonly layer = Layer.effect(
    AuditSealing,
    Effect.gen(function*() {
      const nats = yield* NatsConfig
      yield* ensureStream(sealStreamSpec(nats))
      const key = yield* loadOrCreateSigningKey(yield* signingKeyFileConfig)
      const publicKey = yield* publishSigningKey(key)
      yield* Effect.forkScoped(runSealer(key, yield* sealerSettingsConfig))
      return AuditSealing.of({ publicKey })
    })
  )
}
