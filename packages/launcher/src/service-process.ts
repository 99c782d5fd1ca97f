import { type ChildProcess, spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import { setPriority } from "node:os"
import { createInterface } from "node:readline"
import { Duration, Effect, Schedule, Schema } from "effect"
import { serviceBundle } from "./service-bundle.ts"
import { startFailureReason } from "./start-failure.ts"
import { bundleSpecOf, nicenessOf, nodeFlagsOf, processEnv, runsBundled, type ServiceName, sourceEntryOf } from "./services.ts"

export class ServiceNotReady extends Schema.TaggedError<ServiceNotReady>()("ServiceNotReady", {
  service: Schema.String,
  url: Schema.String,
  lastError: Schema.String
}) {
  override get message() {
    return `${this.service} did not become ready at ${this.url}/readyz: ${this.lastError}`
  }
}

/**
 * How a service's health probes say which process answered: `WT_INSTANCE` in, the header out
 * (service-runtime's `instanceConfig` and `InstanceHeader`; the launcher does not depend on it).
 */
const InstanceVariable = "WT_INSTANCE"
const InstanceHeader = "wt-instance"

export interface ServiceProcessOptions {
  readonly name: ServiceName
  /** How its lines and messages name it when several copies run (`triage#2`); default its name. */
  readonly label?: string
  readonly port: number
  readonly env: Readonly<Record<string, string>>
  /** Receives each line the service writes; defaults to prefixing and forwarding to our stdout. */
  readonly onLine?: (service: string, line: string) => void
  /** Start the process again when it dies on its own (not when `kill` stopped it). Default false. */
  readonly restartOnCrash?: boolean
}

/** A running service process, which a test may kill and start again. */
export interface ServiceProcess {
  readonly name: ServiceName
  /** Its name, with its copy's number when several copies run (`triage#2`). */
  readonly label: string
  readonly url: string
  readonly pid: () => number | undefined
  /** Sends a signal and waits for the process to exit. */
  readonly kill: (signal?: NodeJS.Signals) => Effect.Effect<void>
  /** Starts the process again (after kill, or a stop) and waits until it is ready. */
  readonly restart: Effect.Effect<void, ServiceNotReady>
}

const forward = (service: string, line: string) => process.stdout.write(`${service.padEnd(9)} | ${line}\n`)

const isRunning = (child: ChildProcess) => child.exitCode === null && child.signalCode === null

const exited = (child: ChildProcess): Effect.Effect<string> =>
  !isRunning(child)
    ? Effect.succeed(`exited (${child.exitCode ?? child.signalCode})`)
    : Effect.callback<string>((resume) => {
      child.once("exit", (code, signal) => resume(Effect.succeed(`exited (${code ?? signal})`)))
    })

/**
 * Whether it stopped as asked: exit 0, or SIGINT/SIGTERM (a terminal's Ctrl-C reaches every
 * process of the group, the services too). Such a stop is not a crash and is not restarted.
 */
const stoppedAsAsked = (child: ChildProcess) => child.exitCode === 0 || child.signalCode === "SIGINT" || child.signalCode === "SIGTERM"

/**
 * Polls /readyz until it answers 200, so callers start work only against a ready service. With
 * `instance`, only the process started with it counts: an answer from any other process on the
 * port (another copy of the system, another program) fails at once, as "ready" would be a lie.
 */
export const waitReady = Effect.fn("Launcher.waitReady")(function*(service: string, url: string, timeout: Duration.Input = "90 seconds", instance?: string) {
  const ask = Effect.gen(function*() {
    const status = yield* Effect.tryPromise(() =>
      fetch(`${url}/readyz`).then(async (r) => ({ ok: r.ok, answered: r.headers.get(InstanceHeader), body: await r.text() }))
    ).pipe(
      Effect.catch((e) => Effect.succeed({ ok: false, answered: undefined, body: String(e.cause ?? e) }))
    )
    if (instance !== undefined && status.answered !== undefined && status.answered !== instance) {
      return yield* new ServiceNotReady({
        service,
        url,
        lastError: `port ${new URL(url).port} is taken: another process answers there${status.answered === null ? "" : ` (${status.answered.replace(/:.*/u, "")} of another running system?)`}`
      })
    }
    return status
  })
  // Every 100 ms until it answers 200 or the timeout has passed.
  const last = yield* ask.pipe(
    Effect.repeat({ schedule: Schedule.max([Schedule.spaced("100 millis"), Schedule.during(timeout)]), until: (status) => status.ok })
  )
  if (!last.ok) return yield* new ServiceNotReady({ service, url, lastError: last.body })
})

/** Spawns a service as its own Node process; the scope's end stops it with SIGTERM. */
export const startServiceProcess = Effect.fn("Launcher.startServiceProcess")(function*(options: ServiceProcessOptions) {
  const url = `http://127.0.0.1:${options.port}`
  const label = options.label ?? options.name
  const onLine = options.onLine ?? forward
  let child: ChildProcess | undefined
  let stopping = false
  // The last lines the current process wrote: why it died, if it dies before it is ready.
  let recent: Array<string> = []

  const env = {
    // glibc gives each thread that allocates its own malloc arena; for a Node service that is
    // tens of MB of resident memory it never returns (MALLOC_ARENA_MAX is glibc's knob).
    MALLOC_ARENA_MAX: "2",
    ...process.env,
    ...options.env,
    ...processEnv(options.name, options.port),
    WT_SERVICE: options.name
  }

  // Looked up at every start, so a restart runs the code as it is now.
  const entry = runsBundled(env)
    ? serviceBundle(bundleSpecOf(options.name)).pipe(
      Effect.map((b) => b.entry),
      Effect.mapError((e) => new ServiceNotReady({ service: options.name, url, lastError: e.message }))
    )
    : Effect.succeed(sourceEntryOf(options.name))

  const spawnChild = (entry: string, instance: string) => Effect.sync(() => {
    const c = spawn(process.execPath, [...nodeFlagsOf(options.name, env), entry], {
      env: { ...env, [InstanceVariable]: instance },
      stdio: ["ignore", "pipe", "pipe"]
    })
    recent = []
    const heard = (line: string) => {
      recent.push(line)
      if (recent.length > 40) recent.shift()
      onLine(label, line)
    }
    const nice = nicenessOf(options.name, env)
    // Already gone (spawn failed): the exit is reported as usual.
    if (nice !== 0 && c.pid !== undefined) {
      try {
        setPriority(c.pid, nice)
      } catch {
        // A system that refuses only costs the care alarms' head start.
      }
    }
    createInterface({ input: c.stdout! }).on("line", heard)
    createInterface({ input: c.stderr! }).on("line", heard)
    child = c
    return c
  })

  // Ready, or the reason it died first: a crash at start is reported at once, not after a timeout.
  const startAndWait = Effect.gen(function*() {
    const instance = `${label}:${randomUUID()}`
    const c = yield* spawnChild(yield* entry, instance)
    yield* Effect.raceFirst(
      waitReady(label, url, "90 seconds", instance),
      exited(c).pipe(
        // Its last lines are read once its output has ended, so the reason it wrote is among them.
        Effect.flatMap((why) => Effect.as(Effect.sleep("50 millis"), why)),
        Effect.flatMap((why) => {
          const reason = startFailureReason(recent)
          return Effect.fail(new ServiceNotReady({ service: label, url, lastError: reason === undefined ? why : `${why}: ${reason}` }))
        })
      )
    )
  })

  const kill = Effect.fn("Launcher.kill")(function*(signal: NodeJS.Signals = "SIGTERM") {
    const c = child
    if (c === undefined || !isRunning(c)) return
    stopping = true
    c.kill(signal)
    yield* exited(c).pipe(
      Effect.timeout("10 seconds"),
      Effect.catch(() => Effect.sync(() => c.kill("SIGKILL")).pipe(Effect.andThen(exited(c))))
    )
  })

  yield* Effect.addFinalizer(() => kill("SIGTERM"))
  yield* startAndWait

  if (options.restartOnCrash === true) {
    // The engineer on call sees a crash in the log and the service back within seconds.
    // One exit of the service: whether to watch for the next.
    const watchOnce = Effect.gen(function*() {
      const c = child
      if (c === undefined) return false
      const why = yield* exited(c)
      if (stopping) {
        yield* Effect.sleep("1 second")
        return true
      }
      if (stoppedAsAsked(c)) {
        onLine(label, `launcher: ${label} ${why}, stopped as asked; not restarted`)
        return false
      }
      onLine(label, `launcher: ${label} ${why}; restarting in 1 s`)
      yield* Effect.sleep("1 second")
      yield* startAndWait.pipe(Effect.catch((e) => Effect.sync(() => onLine(label, `launcher: ${e.message}`))))
      return true
    })
    yield* Effect.forkScoped(Effect.repeat(watchOnce, { while: (again) => again }))
  }

  const handle: ServiceProcess = {
    name: options.name,
    label,
    url,
    pid: () => child?.pid,
    kill,
    restart: Effect.gen(function*() {
      yield* kill("SIGTERM")
      yield* startAndWait
      stopping = false
    })
  }
  return handle
})
