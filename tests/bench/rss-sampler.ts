import { readFileSync } from "node:fs"

/** Resident memory of the service processes, sampled from /proc while the benchmark runs. */
export interface RssSampler {
  /** Peak resident set (VmHWM) per service in MB, including what happened between samples. */
  readonly peaks: () => Record<string, number>
  /** VmRSS over time, for the chart: seconds since start and MB per service. */
  readonly series: () => ReadonlyArray<{ readonly t: number; readonly mb: Record<string, number> }>
  readonly stop: () => void
}

const fieldKb = (status: string, field: string): number | undefined => {
  const match = status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"))
  return match === null ? undefined : Number(match[1])
}

const readStatus = (pid: number): string | undefined => {
  try {
    return readFileSync(`/proc/${pid}/status`, "utf8")
  } catch {
    return undefined
  }
}

/**
 * Samples every `intervalMs`. VmHWM is the kernel's own high-water mark, so a spike
 * between two samples still counts; `pids` is asked each time because a service may restart.
 */
export const startRssSampler = (pids: () => Record<string, number | undefined>, startMs: number, intervalMs = 1000): RssSampler => {
  const peaks: Record<string, number> = {}
  const series: Array<{ t: number; mb: Record<string, number> }> = []
  const sample = () => {
    const mb: Record<string, number> = {}
    for (const [name, pid] of Object.entries(pids())) {
      if (pid === undefined) continue
      const status = readStatus(pid)
      if (status === undefined) continue
      const rss = fieldKb(status, "VmRSS")
      const hwm = fieldKb(status, "VmHWM")
      if (rss !== undefined) mb[name] = Math.round(rss / 1024)
      if (hwm !== undefined) peaks[name] = Math.max(peaks[name] ?? 0, Math.round(hwm / 1024))
    }
    series.push({ t: (Date.now() - startMs) / 1000, mb })
  }
  sample()
  const timer = setInterval(sample, intervalMs)
  return {
    peaks: () => {
      sample()
      return { ...peaks }
    },
    series: () => series,
    stop: () => clearInterval(timer)
  }
}
