import { PGlite } from "@electric-sql/pglite"
import { Config, Effect, Option, Redacted, type Scope } from "effect"
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { EmbeddedPostgresError, EmbeddedPostgresInUse } from "./errors.ts"
import { servePglite } from "./pglite-wire-server.ts"

export interface EmbeddedPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`: no secret, loopback only. */
  readonly url: string
  readonly port: number
  readonly stop: Effect.Effect<void>
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** PGlite must have exactly one owner per data directory: a pid file guards it. */
const claimDataDir = Effect.fn("EmbeddedPostgres.claimDataDir")(function*(dataDir: string) {
  const lockFile = join(dataDir, "pg.lock")
  const holder = Option.fromNullishOr(
    (() => {
      try {
        return Number.parseInt(readFileSync(lockFile, "utf8"), 10)
      } catch {
        return undefined
      }
    })()
  ).pipe(Option.filter((pid) => Number.isInteger(pid) && pid !== process.pid && isAlive(pid)))
  if (Option.isSome(holder)) return yield* new EmbeddedPostgresInUse({ dataDir, pid: holder.value })
  yield* Effect.try({
    try: () => writeFileSync(lockFile, String(process.pid)),
    catch: (cause) => new EmbeddedPostgresError({ message: `cannot write ${lockFile}`, cause })
  })
  return lockFile
})

/**
 * Starts PGlite on `${dataDir}/pg` and serves it on 127.0.0.1 (a free port unless
 * given) so that services connect with an ordinary postgres:// url. Stops when the
 * scope closes, or earlier through `stop`.
 */
export const startEmbeddedPostgres = Effect.fn("Database.startEmbeddedPostgres")(function*(
  options: { readonly dataDir: string; readonly port?: number }
): Effect.fn.Return<EmbeddedPostgres, EmbeddedPostgresError | EmbeddedPostgresInUse, Scope.Scope> {
  const pgDir = join(options.dataDir, "pg")
  yield* Effect.try({
    try: () => mkdirSync(pgDir, { recursive: true }),
    catch: (cause) => new EmbeddedPostgresError({ message: `cannot create ${pgDir}`, cause })
  })
  yield* Effect.acquireRelease(
    claimDataDir(options.dataDir),
    (file) => Effect.sync(() => rmSync(file, { force: true }))
  )
  // `stop` may run before the scope closes; closing twice must be harmless.
  let closing: Promise<void> | undefined
  const closeOnce = (close: () => Promise<void>) => () => (closing ??= close().catch(() => undefined))
  const db = yield* Effect.tryPromise({
    try: () => PGlite.create({ dataDir: pgDir }),
    catch: (cause) => new EmbeddedPostgresError({ message: "PGlite failed to start", cause })
  })
  const server = yield* Effect.tryPromise({
    try: () => servePglite(db, { host: "127.0.0.1", ...(options.port !== undefined ? { port: options.port } : {}) }),
    catch: (cause) => new EmbeddedPostgresError({ message: `cannot listen on 127.0.0.1:${options.port ?? 0}`, cause })
  }).pipe(Effect.tapError(() => Effect.promise(() => db.close().catch(() => undefined))))
  const close = closeOnce(async () => {
    await server.close()
    await db.close()
  })
  yield* Effect.addFinalizer(() => Effect.promise(close))
  return {
    url: `postgres://postgres@127.0.0.1:${server.port}/postgres`,
    port: server.port,
    stop: Effect.promise(close)
  }
})

export interface ResolvedDatabase {
  readonly url: Redacted.Redacted<string>
  /** Present when this process started the embedded database. */
  readonly embedded: Option.Option<EmbeddedPostgres>
}

/** `DATABASE_URL` when set, else an embedded PGlite on the data directory for the life of the scope. */
export const resolveDatabase = Effect.fn("Database.resolve")(function*(options: { readonly dataDir: string; readonly port?: number }) {
  const configured = yield* Config.option(Config.Redacted("DATABASE_URL"))
  if (Option.isSome(configured) && Redacted.value(configured.value) !== "") {
    return { url: configured.value, embedded: Option.none() } satisfies ResolvedDatabase
  }
  const embedded = yield* startEmbeddedPostgres(options)
  return { url: Redacted.make(embedded.url), embedded: Option.some(embedded) } satisfies ResolvedDatabase
})
