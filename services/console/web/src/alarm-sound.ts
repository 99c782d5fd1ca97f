import type { Incident, Priority } from "./api.ts"
import { isUnclaimed } from "./format.ts"

// One pattern per priority, distinguishable without looking: P1 fast high triple beeps,
// P2 a two-tone, P3 one mid tone, P4 one low soft tone. Each repeats (every `everyMs`)
// until no incident of that priority is waiting in the queue.
const patterns: Record<Priority, { readonly tones: ReadonlyArray<readonly [hz: number, ms: number]>; readonly everyMs: number; readonly gain: number }> = {
  P1: { tones: [[1320, 120], [0, 60], [1320, 120], [0, 60], [1320, 120]], everyMs: 2000, gain: 0.25 },
  P2: { tones: [[880, 200], [660, 200]], everyMs: 4000, gain: 0.2 },
  P3: { tones: [[660, 250]], everyMs: 8000, gain: 0.15 },
  P4: { tones: [[440, 200]], everyMs: 15000, gain: 0.1 }
}

export const MuteMinutes = 2

/** The queue's voice: WebAudio oscillators, no sound files. */
export class AlarmSound {
  private context: AudioContext | undefined
  private readonly lastPlayed = new Map<Priority, number>()
  private timer: ReturnType<typeof setInterval> | undefined
  mutedUntil = 0
  /** Which priorities are sounding now, for the page to show. */
  sounding: ReadonlyArray<Priority> = []

  private readonly waiting: () => ReadonlyArray<Incident>

  constructor(waiting: () => ReadonlyArray<Incident>) {
    this.waiting = waiting
  }

  start() {
    this.timer = setInterval(() => this.tick(), 250)
  }

  stop() {
    if (this.timer !== undefined) clearInterval(this.timer)
    void this.context?.close()
  }

  /** Silences every priority for a limited time only: a forgotten mute must not hide a P1 for the night. */
  mute(now = Date.now()) {
    this.mutedUntil = now + MuteMinutes * 60_000
  }

  unmute() {
    this.mutedUntil = 0
  }

  isMuted(now = Date.now()) {
    return now < this.mutedUntil
  }

  private tick() {
    const now = Date.now()
    const priorities = new Set(this.waiting().filter(isUnclaimed).map((i) => i.priority))
    this.sounding = (["P1", "P2", "P3", "P4"] as const).filter((p) => priorities.has(p))
    if (this.isMuted(now)) return
    // Only the most urgent waiting priority sounds, so the P1 pattern is never blurred by others.
    const top = this.sounding[0]
    if (top === undefined) return
    const pattern = patterns[top]
    if (now - (this.lastPlayed.get(top) ?? 0) < pattern.everyMs) return
    this.lastPlayed.set(top, now)
    this.play(top)
  }

  private play(priority: Priority) {
    // Browsers start audio only after a user gesture; signing in is one.
    this.context ??= new AudioContext()
    const ctx = this.context
    if (ctx.state === "suspended") void ctx.resume()
    const pattern = patterns[priority]
    let t = ctx.currentTime
    for (const [hz, ms] of pattern.tones) {
      if (hz > 0) {
        const osc = ctx.createOscillator()
        const gain = ctx.createGain()
        osc.type = priority === "P1" ? "square" : "sine"
        osc.frequency.value = hz
        gain.gain.setValueAtTime(pattern.gain, t)
        gain.gain.exponentialRampToValueAtTime(0.0001, t + ms / 1000)
        osc.connect(gain).connect(ctx.destination)
        osc.start(t)
        osc.stop(t + ms / 1000)
      }
      t += ms / 1000
    }
  }
}
