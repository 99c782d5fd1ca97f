import { type AuditSeal, checkSeals, type Intact, publicKeyPem, sealHash, type SealPublicKey, type Verdict } from "@wt/audit-chain"
import { Nats, natsAuthEnv, NatsRequestFailed } from "@wt/nats"
import { Effect } from "effect"
import { availableParallelism } from "node:os"
import { extname } from "node:path"
import { fileURLToPath } from "node:url"
import { Worker } from "node:worker_threads"
import type { WorkerRange } from "./live-verification-worker.ts"
import { type RangeVerdict, verifyRange } from "./range-verification.ts"
import { streamBounds } from "./stream-reader.ts"

/**
 * Below this many entries per part, starting a worker (a second connection, the modules
 * loaded again) costs more than it saves: on the shared 2-core machine two parts of
 * 107,000 entries verified slower than one pass.
 */
const MinEntriesPerPart = 500_000

/**
 * Each part needs about two cores: its own thread, and the nats-server delivering to it
 * spends about as much CPU per entry (1.8 against 2.0 µs measured). On two cores two
 * parts were no faster than one pass and took a quarter more CPU.
 */
const defaultParallelism = () => Math.max(1, Math.floor(availableParallelism() / 2))

export interface LiveVerification {
  readonly stream: string
  readonly seals: ReadonlyArray<AuditSeal>
  readonly keys: ReadonlyArray<SealPublicKey>
  readonly fromSeq?: number
  readonly toSeq?: number
  /** Parts verified at once; default half the machine's cores (see {@link defaultParallelism}). */
  readonly parallelism?: number
  /** How the entries are read; see {@link RangeToVerify}. */
  readonly reader?: "bulk" | "consumer"
  /** Fewest entries worth a part of its own; default 500,000. */
  readonly minEntriesPerPart?: number
}

interface Part {
  readonly seals: ReadonlyArray<AuditSeal>
  readonly anchor?: string
  readonly fromSeq?: number
  readonly toSeq?: number
}

/**
 * Splits the seals from `fromSeq` on into `n` parts of whole seals with about as many
 * entries each; the last part also takes whatever follows the last seal.
 */
const partsOf = (seals: ReadonlyArray<AuditSeal>, n: number, fromSeq: number | undefined, toSeq: number | undefined): ReadonlyArray<Part> => {
  const first = fromSeq === undefined ? 0 : Math.max(0, seals.findIndex((s) => s.toSeq >= fromSeq))
  const lastIndex = toSeq === undefined ? seals.length - 1 : seals.findLastIndex((s) => s.fromSeq <= toSeq)
  const covered = seals.slice(first, lastIndex + 1)
  const total = covered.reduce((sum, s) => sum + s.count, 0)
  const parts: Array<Part> = []
  let start = first
  let taken = 0
  for (let i = first; i <= lastIndex && parts.length < n - 1; i++) {
    taken += seals[i]!.count
    if (taken >= (total * (parts.length + 1)) / n) {
      parts.push({
        seals: seals.slice(start, i + 1),
        ...(start === 0 ? {} : { anchor: sealHash(seals[start - 1]!) }),
        fromSeq: start === first && fromSeq !== undefined ? fromSeq : seals[start]!.fromSeq,
        toSeq: seals[i]!.toSeq
      })
      start = i + 1
    }
  }
  parts.push({
    seals: seals.slice(start),
    ...(start === 0 ? {} : { anchor: sealHash(seals[start - 1]!) }),
    ...(start === first ? (fromSeq === undefined ? {} : { fromSeq }) : { fromSeq: seals[start]!.fromSeq }),
    ...(toSeq === undefined ? {} : { toSeq })
  })
  return parts
}

/** The parts' verdicts as one: the first break wins; intact parts add up. */
const combine = (results: ReadonlyArray<RangeVerdict>, seals: number): RangeVerdict => {
  const entriesByTenant: Record<string, number> = {}
  for (const r of results) for (const [t, n] of Object.entries(r.entriesByTenant)) entriesByTenant[t] = (entriesByTenant[t] ?? 0) + n
  const broken = results.find((r) => r.verdict._tag === "Broken")
  if (broken !== undefined) return { verdict: broken.verdict, entriesByTenant }
  const intact = results.map((r) => r.verdict as Intact)
  const verdict: Verdict = {
    _tag: "Intact",
    sealedEntries: intact.reduce((n, v) => n + v.sealedEntries, 0),
    sealsChecked: intact.reduce((n, v) => n + v.sealsChecked, 0),
    seals,
    unsealedEntries: intact.reduce((n, v) => n + v.unsealedEntries, 0),
    firstSeq: intact.find((v) => v.firstSeq !== undefined)?.firstSeq,
    lastSeq: intact.findLast((v) => v.lastSeq !== undefined)?.lastSeq,
    lastSealedSeq: intact.findLast((v) => v.lastSealedSeq !== undefined)?.lastSealedSeq
  }
  return { verdict, entriesByTenant }
}

// Run from source the worker is a .ts module beside this one. A bundle holding this code must
// make the worker an entry of its own beside it, with the bundle's extension (packages/launcher,
// serviceBundle's `entries`); no service bundle does today: `wt audit verify` runs from source.
const workerModule = new URL(`./live-verification-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url)

const inWorker = (range: WorkerRange) =>
  Effect.callback<RangeVerdict, NatsRequestFailed>((resume) => {
    const worker = new Worker(workerModule, { workerData: range })
    worker.once("message", (message: { ok?: RangeVerdict; error?: string }) =>
      resume(message.ok === undefined
        ? Effect.fail(new NatsRequestFailed({ operation: `verify ${range.stream}`, message: message.error ?? "worker failed" }))
        : Effect.succeed(message.ok)))
    worker.once("error", (error) => resume(Effect.fail(new NatsRequestFailed({ operation: `verify ${range.stream}`, message: error.message }))))
    return Effect.promise(() => worker.terminate())
  })

/**
 * Verifies the live audit trail against its seals. A long trail on a machine with more
 * than two cores is cut into parts of whole seals, each read on its own connection and
 * checked in its own thread (one part in this one), so reading and hashing use the cores. Each
 * part's first seal must link to the seal before it, and the whole chain is checked
 * here too, so the parts prove exactly what one pass over the trail proves.
 */
export const verifyLiveTrail = Effect.fn("Audit.verifyLiveTrail")(function*(options: LiveVerification) {
  const nats = yield* Nats
  const { access } = nats
  const { seals, keys } = options
  const bounds = yield* streamBounds(options.stream)
  const to = Math.min(options.toSeq ?? bounds.lastSeq, bounds.lastSeq)
  const entries = Math.max(0, to - Math.max(options.fromSeq ?? 1, bounds.firstSeq) + 1)
  const chain = checkSeals(seals, { keys })
  const n = Math.min(options.parallelism ?? defaultParallelism(), Math.floor(entries / (options.minEntriesPerPart ?? MinEntriesPerPart)), seals.length)
  const range = {
    stream: options.stream,
    ...(options.fromSeq === undefined ? {} : { fromSeq: options.fromSeq }),
    ...(options.toSeq === undefined ? {} : { toSeq: options.toSeq }),
    ...(options.reader === undefined ? {} : { reader: options.reader })
  }
  if (n <= 1 || chain.break !== undefined) return yield* verifyRange({ ...range, seals, keys })

  const parts = partsOf(seals, n, options.fromSeq, options.toSeq)
  const url = `nats://${yield* nats.server}`
  // Each worker connects as this connection's user (credentials as variables: they cross a thread).
  const natsEnv = natsAuthEnv(access.auth, access.tls, access.inboxPrefix)
  const keysPem = keys.map(publicKeyPem)
  const parallel = Effect.all(
    parts.map((part, i) => {
      const own = {
        ...(part.anchor === undefined ? {} : { anchor: part.anchor }),
        ...(part.fromSeq === undefined ? {} : { fromSeq: part.fromSeq }),
        ...(part.toSeq === undefined ? {} : { toSeq: part.toSeq }),
        ...(options.reader === undefined ? {} : { reader: options.reader })
      }
      return i === parts.length - 1
        ? verifyRange({ stream: options.stream, seals: part.seals, keys, ...own })
        : inWorker({ url, natsEnv, stream: options.stream, seals: part.seals, keysPem, ...own })
    }),
    { concurrency: "unbounded" }
  ).pipe(Effect.map((results) => combine(results, seals.length)))
  // A worker that cannot reach NATS as this connection did costs speed only: the trail is then read in one pass.
  return yield* parallel.pipe(Effect.catch(() => verifyRange({ ...range, seals, keys })))
})
