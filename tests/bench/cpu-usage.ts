import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"

/** CPU time (user + system) a process has used so far, in ms; undefined once it is gone. */
export const cpuMs = (pid: number): number | undefined => {
  try {
    // Fields after the command name: state is 3rd, utime 14th and stime 15th (in clock ticks, 100 per second here).
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return undefined
  }
}

/** Each named service's pid, read at each call (a service restarted on a crash has a new one). */
export const servicePids = <N extends string>(
  services: { readonly [K in N]: { readonly pid: () => number | undefined } },
  names: ReadonlyArray<N>
) =>
(): Record<string, number | undefined> => Object.fromEntries(names.map((name) => [name, services[name].pid()]))

/** The nats-server this process started for the run (its child), if any. */
export const natsServerPid = (): number | undefined => {
  try {
    const out = execFileSync("pgrep", ["-P", String(process.pid), "nats-server"], { encoding: "utf8" }).trim()
    return out === "" ? undefined : Number(out.split("\n")[0])
  } catch {
    return undefined
  }
}

/**
 * CPU each process spends between `start` and `stop`, per event: unlike wall-clock rates this
 * stays comparable when other work shares the machine's cores.
 */
export const startCpuMeter = (pids: () => Record<string, number | undefined>) => {
  const at = (): Record<string, number> =>
    Object.fromEntries(Object.entries(pids()).flatMap(([name, pid]) => {
      const ms = pid === undefined ? undefined : cpuMs(pid)
      return ms === undefined ? [] : [[name, ms]]
    }))
  const before = at()
  const startedAtMs = Date.now()
  /** CPU ms each process used since the start, and their total, each divided by `per`. */
  const usedPer = (per: number, digits: number): Record<string, number> => {
    const scale = 10 ** digits
    const out: Record<string, number> = {}
    let total = 0
    for (const [name, ms] of Object.entries(at())) {
      const used = ms - (before[name] ?? ms)
      out[name] = Math.round((used / per) * scale) / scale
      total += used
    }
    out["total"] = Math.round((total / per) * scale) / scale
    return out
  }
  return {
    /**
     * ms of CPU per second of wall-clock time since the start, for each process and their
     * total: at rest, what a process costs whatever the load (timers, metrics scrapes, pings).
     */
    perSecond: (): Record<string, number> => usedPer(Math.max(0.001, (Date.now() - startedAtMs) / 1000), 1),
    /** µs of CPU per event for each process, and their total. */
    perEvent: (events: number): Record<string, number> => usedPer(Math.max(1, events) / 1000, 0)
  }
}

/**
 * Waits, a second at a time and for at most `maxMs`, until the processes together have spent less
 * than `quietMsPerS` of CPU per second for `seconds` seconds in a row: a measurement that starts
 * while start-up work still runs (supervision enrolling a fresh fleet of 110,000 devices took a
 * fifth of a core for some 10 s after it said ready) is measured against that work. One quiet
 * second was not enough: once the enrolment began just after it, and ran through the baseline.
 * Returns the seconds waited, whether they went quiet, and the last second's CPU.
 */
export const waitUntilQuiet = async (
  pids: () => Record<string, number | undefined>,
  options: { readonly quietMsPerS: number; readonly maxMs: number; readonly seconds: number }
): Promise<{ readonly waitedS: number; readonly quiet: boolean; readonly lastMsPerS: number }> => {
  const startedAtMs = Date.now()
  let lastMsPerS = Number.POSITIVE_INFINITY
  let quietSeconds = 0
  while (quietSeconds < options.seconds && Date.now() - startedAtMs < options.maxMs) {
    const meter = startCpuMeter(pids)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    lastMsPerS = meter.perSecond()["total"] ?? 0
    quietSeconds = lastMsPerS < options.quietMsPerS ? quietSeconds + 1 : 0
  }
  return { waitedS: Math.round((Date.now() - startedAtMs) / 100) / 10, quiet: quietSeconds >= options.seconds, lastMsPerS }
}
