import { Context, Effect, Layer, Option, Random, Schedule, Schema } from "effect"
import { Nats, NatsRequestFailed, CareAlarmBucket } from "@wt/nats"

export { CareAlarmBucket } from "@wt/nats"

export interface CareAlarm {
  /** The alarm's identity, `deviceEventKey` (tenant, device, sender's id): another device's alarm may carry the same sender id. */
  readonly eventId: string
  readonly at: string
}

/** The alarms of a resident inside the window ending at `now`, one per event identity, oldest first. */
export const inWindow = (alarms: ReadonlyArray<CareAlarm>, now: number, windowMs: number): ReadonlyArray<CareAlarm> => {
  const seen = new Set<string>()
  return alarms
    .filter((a) => {
      const t = Date.parse(a.at)
      if (seen.has(a.eventId) || t < now - windowMs || t > now + 60_000) return false
      seen.add(a.eventId)
      return true
    })
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
}

/** Another copy wrote the resident's history between this copy's read and its write. */
class HistoryMoved extends Schema.TaggedError<HistoryMoved>()("HistoryMoved", {}) {}

/** Twenty tries in all, with a jittered, growing pause so copies writing one resident's history spread out. */
const lostRace = Schedule.recurs(19).pipe(
  Schedule.addDelay(({ attempt }) => Random.next.pipe(Effect.map((r) => Math.floor(r * 5 * attempt))))
)

/**
 * Each resident's recent care alarms, across incidents: a man who presses four times
 * in six hours, each time judged fine, must stand out even though every incident was closed.
 * Kept in a KV bucket and updated by compare-and-set (the bucket's `update`, which holds on R3), so
 * copies of triage share it without one overwriting the other's alarm.
 */
export class CareAlarmHistory extends Context.Service<CareAlarmHistory, {
  /** Records the alarm (idempotent by its identity) and returns the alarms inside the window. */
  readonly record: (tenant: string, residentId: string, alarm: CareAlarm, windowMs: number) => Effect.Effect<ReadonlyArray<CareAlarm>, NatsRequestFailed>
}>()("wt/CareAlarmHistory") {
  static readonly layer = Layer.effect(
    CareAlarmHistory,
    Effect.gen(function*() {
      const nats = yield* Nats
      const encoder = new TextEncoder()
      const decoder = new TextDecoder()
      const kv = yield* nats.kv(CareAlarmBucket)

      // One read-decide-write; a write that lost to another copy's is tried again on what that copy left.
      const recordOnce = Effect.fn("CareAlarmHistory.recordOnce")(function*(key: string, alarm: CareAlarm, windowMs: number) {
        // From the leader, as the open-incident pointer: a replica may be a frozen node.
        const entry = Option.getOrUndefined(yield* kv.lastEntry(key))
        const current: ReadonlyArray<CareAlarm> = entry !== undefined && entry.operation === "PUT" && entry.value.length > 0
          ? JSON.parse(decoder.decode(entry.value)) as Array<CareAlarm>
          : []
        const next = inWindow([...current, alarm], Date.parse(alarm.at), windowMs)
        if (current.some((a) => a.eventId === alarm.eventId)) return next
        const written = yield* kv.update(key, encoder.encode(JSON.stringify(next)), entry?.revision ?? 0).pipe(
          Effect.orElseSucceed(() => Option.none<number>())
        )
        if (Option.isNone(written)) return yield* new HistoryMoved()
        return next
      })

      const record = Effect.fn("CareAlarmHistory.record")(function*(tenant: string, residentId: string, alarm: CareAlarm, windowMs: number) {
        return yield* recordOnce(`${tenant}.${residentId}`, alarm, windowMs).pipe(
          Effect.retry({ schedule: lostRace, while: (error) => error._tag === "HistoryMoved" }),
          Effect.catchTag("HistoryMoved", () => Effect.fail(new NatsRequestFailed({ operation: "care alarm history", message: "contended" })))
        )
      })

      return CareAlarmHistory.of({ record })
    })
  )
}
