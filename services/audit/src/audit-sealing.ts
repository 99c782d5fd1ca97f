import {
  anchorCommandConfig,
  anchorHook,
  anchorsFileConfig,
  type AuditPublicKey,
  loadOrCreateSigningKey,
  publishSigningKey,
  runSealer,
  sealerSettingsConfig,
  sealStreamSpec,
  signingKeyFileConfig,
  trailCheckIntervalConfig
} from "@wt/audit-log"
import { ensureStream, NatsConfig } from "@wt/nats"
import { Config, Context, Effect, Layer, Option } from "effect"

/**
 * Seals WT_AUDIT into WT_AUDIT_SEALS: provisions the seal stream, loads (or creates)
 * the signing key, publishes its public half and runs the sealer for the layer's life,
 * anchoring every seal outside NATS (docs/audit-integrity.md).
 * `WT_AUDIT_SEALING=false` leaves sealing to other copies (e.g. one dedicated sealer),
 * and lets a benchmark compare the pipeline with and without it.
 */
export class AuditSealing extends Context.Service<AuditSealing, {
  /** None when this copy does not seal. */
  readonly publicKey: Option.Option<AuditPublicKey>
}>()("wt/AuditSealing") {
  static readonly layer = Layer.effect(
    AuditSealing,
    Effect.gen(function*() {
      const nats = yield* NatsConfig
      yield* ensureStream(sealStreamSpec(nats))
      if (!(yield* Config.Boolean("WT_AUDIT_SEALING").pipe(Config.withDefault(true)))) {
        yield* Effect.logInfo("sealing is off in this copy (WT_AUDIT_SEALING=false)")
        return AuditSealing.of({ publicKey: Option.none() })
      }
      const key = yield* loadOrCreateSigningKey(yield* signingKeyFileConfig)
      const publicKey = yield* publishSigningKey(key)
      const anchoring = {
        file: yield* anchorsFileConfig,
        hook: yield* anchorHook(yield* anchorCommandConfig),
        checkEveryMs: yield* trailCheckIntervalConfig
      }
      yield* Effect.logInfo("seals are anchored").pipe(Effect.annotateLogs({ file: anchoring.file }))
      yield* Effect.forkScoped(runSealer(key, yield* sealerSettingsConfig, anchoring))
      return AuditSealing.of({ publicKey: Option.some(publicKey) })
    })
  )
}
