import { createHash } from "node:crypto"
import { copyFileSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import { basename, join } from "node:path"
import { Effect, Schema } from "effect"
import { build } from "rolldown"

/**
 * What one service's bundle is made of. Paths are relative to the service's directory.
 * `entries` beyond `main` are modules the service starts by URL (a worker thread's module).
 * `assets` are files the service reads beside its code, copied next to the bundle.
 */
export interface BundleSpec {
  readonly serviceDir: string
  readonly entries: Readonly<Record<string, string>>
  readonly assets?: ReadonlyArray<string>
}

export interface ServiceBundle {
  /** The module to start (`<serviceDir>/dist/<build>/main.mjs`). */
  readonly entry: string
  /** Whether this call built it (false: the last build's inputs are unchanged). */
  readonly built: boolean
}

export class ServiceBundleFailed extends Schema.TaggedError<ServiceBundleFailed>()("ServiceBundleFailed", {
  serviceDir: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `could not bundle ${this.serviceDir}: ${this.reason}`
  }
}

/**
 * Packages left out of the bundle and loaded from node_modules at run time: pglite finds its
 * WebAssembly and data files beside its own modules, pino's and testcontainers' helpers are
 * files of their packages too. None of them is on a service's hot path.
 */
const External = [/^node:/, "pino", "pino-pretty", "testcontainers", "@electric-sql/pglite"]

/** Changes when what a build produces changes for the same sources (bump on changing `build` below). */
const BundleFormat = "rolldown-1.2.19/esm/1"

/** A source file as the build saw it: a later build is needed when any of these changed. */
type Input = readonly [path: string, mtimeMs: number, size: number]

const statOf = (path: string): Input | undefined => {
  try {
    const s = statSync(path)
    return [path, s.mtimeMs, s.size]
  } catch {
    return undefined
  }
}

const distOf = (spec: BundleSpec) => join(spec.serviceDir, "dist")
const currentLink = (spec: BundleSpec) => join(distOf(spec), "current")
const InputsFile = "inputs.json"

/** The current build, if every file it was made from is as it was then. */
const unchangedBuild = (spec: BundleSpec): string | undefined => {
  try {
    const dir = join(distOf(spec), readlinkSync(currentLink(spec)))
    const recorded = JSON.parse(readFileSync(join(dir, InputsFile), "utf8")) as { format: string; inputs: ReadonlyArray<Input> }
    if (recorded.format !== BundleFormat) return undefined
    for (const [path, mtimeMs, size] of recorded.inputs) {
      const now = statOf(path)
      if (now === undefined || now[1] !== mtimeMs || now[2] !== size) return undefined
    }
    return join(dir, "main.mjs")
  } catch {
    return undefined
  }
}

/**
 * Builds other than the current one are removed once five newer ones exist and they are an
 * hour old: a process started from one may still load a worker's module from it later.
 */
const removeOldBuilds = (spec: BundleSpec, keep: string) => {
  const cutoff = Date.now() - 3_600_000
  const older = readdirSync(distOf(spec))
    .filter((name) => name !== keep && name !== "current")
    .map((name) => statOf(join(distOf(spec), name)))
    .filter((stat) => stat !== undefined)
    .sort((a, b) => b[1] - a[1])
  for (const [path, mtimeMs] of older.slice(5)) {
    if (mtimeMs < cutoff) rmSync(path, { recursive: true, force: true })
  }
}

const bundleNow = async (spec: BundleSpec): Promise<string> => {
  const dist = distOf(spec)
  mkdirSync(dist, { recursive: true })
  // Built aside and moved into place whole, so a process starting meanwhile (another test
  // file's launcher, a restart) never loads a half-written bundle.
  const scratch = join(dist, `.building-${process.pid}-${Date.now()}`)
  const input = Object.fromEntries(Object.entries(spec.entries).map(([name, path]) => [name, join(spec.serviceDir, path)]))
  // Every module the build read, also those whose code it folded away (a constant inlined).
  let read: ReadonlyArray<string> = []
  await build({
    input,
    platform: "node",
    external: External,
    logLevel: "silent",
    plugins: [{
      name: "wt-inputs",
      buildEnd() {
        read = [...this.getModuleIds()]
      }
    }],
    output: {
      dir: scratch,
      format: "esm",
      entryFileNames: "[name].mjs",
      chunkFileNames: "[name]-[hash].mjs",
      // Maps beside the code: `node --enable-source-maps` turns a stack trace back into .ts lines.
      sourcemap: true
    }
  })
  for (const asset of spec.assets ?? []) copyFileSync(join(spec.serviceDir, asset), join(scratch, basename(asset)))
  const inputs = read
    .concat((spec.assets ?? []).map((a) => join(spec.serviceDir, a)))
    .map(statOf)
    .filter((stat) => stat !== undefined)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
  writeFileSync(join(scratch, InputsFile), JSON.stringify({ format: BundleFormat, inputs }))
  const id = createHash("sha256").update(BundleFormat).update(JSON.stringify(inputs)).digest("hex").slice(0, 16)
  try {
    renameSync(scratch, join(dist, id))
  } catch {
    // Another process built the same sources first: its build is this one.
    rmSync(scratch, { recursive: true, force: true })
  }
  const link = join(dist, `.current-${process.pid}-${Date.now()}`)
  symlinkSync(id, link)
  renameSync(link, currentLink(spec))
  removeOldBuilds(spec, id)
  return join(dist, id, "main.mjs")
}

const building = new Map<string, Promise<string>>()

/**
 * The service as one ES module (with its workers and assets beside it), built from its
 * TypeScript sources unless the last build's sources are unchanged. A process started from
 * the bundle holds about 50 MB less than one that strips types from hundreds of .ts and
 * library modules at start (`node services/triage/src/main.ts`: 155 MB resident and 52 MB of
 * heap idle, against 102 and 21 MB for its bundle): the type stripper's WebAssembly stays
 * unloaded, and the libraries' doc comments are not kept as source text.
 * Processes of one launcher share a build in progress.
 */
export const serviceBundle = Effect.fn("Launcher.serviceBundle")(function*(spec: BundleSpec) {
  const current = unchangedBuild(spec)
  if (current !== undefined) return { entry: current, built: false } satisfies ServiceBundle
  const key = spec.serviceDir
  let pending = building.get(key)
  if (pending === undefined) {
    pending = bundleNow(spec).finally(() => building.delete(key))
    building.set(key, pending)
  }
  const entry = yield* Effect.tryPromise({
    try: () => pending,
    catch: (cause) => new ServiceBundleFailed({ serviceDir: spec.serviceDir, reason: cause instanceof Error ? cause.message : String(cause) })
  })
  return { entry, built: true } satisfies ServiceBundle
})
