import { type AuditSeal, sealPublicKeyFromPem } from "@wt/audit-chain"
import { makeNats, Nats, natsAccessFromEnv } from "@wt/nats"
import { ConfigProvider, Effect, References } from "effect"
import { parentPort, workerData } from "node:worker_threads"
import { verifyRange } from "./range-verification.ts"

/** What the main thread hands a verification worker. */
export interface WorkerRange {
  readonly url: string
  /** The parent connection's credentials as `NATS_*` variables (see `natsAuthEnv`). */
  readonly natsEnv: Readonly<Record<string, string>>
  readonly stream: string
  readonly seals: ReadonlyArray<AuditSeal>
  readonly keysPem: ReadonlyArray<string>
  readonly anchor?: string
  readonly fromSeq?: number
  readonly toSeq?: number
  readonly reader?: "bulk" | "consumer"
}

const range = workerData as WorkerRange

// One stretch of the trail, on its own connection and core; see live-verification.ts.
Effect.runPromise(
  Effect.scoped(Effect.gen(function*() {
    const access = yield* natsAccessFromEnv.parse(ConfigProvider.fromEnv({ env: range.natsEnv }))
    const nats = yield* makeNats({ url: range.url, name: "wt-verify", ...access })
    return yield* verifyRange({
      stream: range.stream,
      seals: range.seals,
      keys: range.keysPem.map(sealPublicKeyFromPem),
      ...(range.anchor === undefined ? {} : { anchor: range.anchor }),
      ...(range.fromSeq === undefined ? {} : { fromSeq: range.fromSeq }),
      ...(range.toSeq === undefined ? {} : { toSeq: range.toSeq }),
      ...(range.reader === undefined ? {} : { reader: range.reader })
    }).pipe(Effect.provideService(Nats, nats))
  })).pipe(Effect.provideService(References.MinimumLogLevel, "Warn"))
).then(
  (result) => parentPort?.postMessage({ ok: result }),
  (error) => parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) })
)
