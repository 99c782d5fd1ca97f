import { Context, Effect, Layer, Option, Random, Result, Schedule, Schema } from "effect"
import {
  type IncidentCommand,
  type IncidentEvent,
  IncidentRecord,
  type IncidentState,
  Streams,
  Subjects
} from "@wt/contracts"
import { decide, evolve, type IncidentRejected } from "@wt/incident"
import { decodeJson, encodeJson, Nats, NatsRequestFailed, PublishFailed, publishOnce, readLastOnSubject } from "@wt/nats"

/** An incident as last stored: its state and the stream sequence of its last event. */
export interface StoredIncident {
  readonly state: IncidentState
  readonly seq: number
}

export interface Executed {
  readonly state: IncidentState | undefined
  readonly events: ReadonlyArray<IncidentEvent>
  /** Stream sequence of the incident's last message after the command (of its last event, if any). */
  readonly seq: number
}

/** The stored record could not be read back; the stream holds something that is not an incident. */
export class IncidentUnreadable extends Schema.TaggedError<IncidentUnreadable>()("IncidentUnreadable", {
  incidentId: Schema.String,
  message: Schema.String
}) {}

/** Kept losing the write race; the caller may retry later. */
export class IncidentContended extends Schema.TaggedError<IncidentContended>()("IncidentContended", {
  incidentId: Schema.String
}, { httpApiStatus: 409 }) {}

export type StoreError = IncidentUnreadable | IncidentContended | PublishFailed | NatsRequestFailed

/** One incident version's message id: JetStream stores one message per id within WT_INCIDENT's duplicate window. */
export const versionMessageId = (subject: string, version: number): string => `${subject}#${version}`

/** Twelve tries in all, with a jittered, growing pause so a burst of writers on one incident spreads out. */
const lostRace = Schedule.recurs(11).pipe(
  Schedule.addDelay(({ attempt }) => Random.next.pipe(Effect.map((r) => Math.floor(r * 4 * attempt))))
)

/**
 * Event-sourced incidents on WT_INCIDENT, one subject per incident. Each message
 * carries the event and the state after it, so loading is one read of the subject's
 * last message, and every write names the sequence it was decided on: of two
 * operators claiming at once, exactly one write is stored.
 */
export class IncidentStore extends Context.Service<IncidentStore, {
  readonly load: (tenant: string, incidentId: string) => Effect.Effect<Option.Option<StoredIncident>, IncidentUnreadable | NatsRequestFailed>
  /**
   * Decides the command on the incident as stored and stores what it yields. `known` is the
   * incident as the caller just read it (`none`: not there yet): the first attempt decides on it
   * without reading it again. A stale one costs nothing but that attempt, as the write names the
   * sequence it was decided on and every later attempt reads afresh.
   */
  readonly execute: (
    tenant: string,
    incidentId: string,
    command: IncidentCommand,
    known?: Option.Option<StoredIncident>
  ) => Effect.Effect<Executed, IncidentRejected | StoreError>
}>()("wt/IncidentStore") {
  static readonly layer = Layer.effect(
    IncidentStore,
    Effect.gen(function*() {
      const nats = yield* Nats

      const load = Effect.fn("IncidentStore.load")(function*(tenant: string, incidentId: string) {
        const last = yield* readLastOnSubject(Streams.incident, Subjects.incident(tenant, incidentId)).pipe(
          Effect.provideService(Nats, nats)
        )
        if (Option.isNone(last)) return Option.none<StoredIncident>()
        const record = decodeJson(IncidentRecord, last.value.data)
        if (Result.isFailure(record)) {
          return yield* new IncidentUnreadable({ incidentId, message: record.failure.message })
        }
        return Option.some<StoredIncident>({ state: record.success.state, seq: last.value.seq })
      })

      /**
       * Stores one version of an incident as a {@link publishOnce} whose message id names the
       * version: of two copies writing one version, one is stored, also on R3 (the fault suite
       * found versions written twice when the expected-sequence header stood alone).
       */
      const writeVersion = Effect.fnUntraced(function*(subject: string, record: IncidentRecord, seq: number) {
        const bytes = encodeJson(IncidentRecord, record)
        if (Result.isFailure(bytes)) return yield* new PublishFailed({ subject, message: `cannot encode: ${bytes.failure.message}` })
        return yield* publishOnce(subject, bytes.success, { stream: Streams.incident, msgId: versionMessageId(subject, record.state.version), expectedLastSubjectSequence: seq })
      }, Effect.provideService(Nats, nats))

      const attempt = Effect.fnUntraced(function*(tenant: string, incidentId: string, command: IncidentCommand, known: Option.Option<StoredIncident> | undefined) {
        const stored = known ?? (yield* load(tenant, incidentId))
        const state = Option.isSome(stored) ? stored.value.state : undefined
        const events = yield* Effect.fromResult(decide(command, state, incidentId))
        let next = state
        let seq = Option.isSome(stored) ? stored.value.seq : 0
        for (const event of events) {
          next = evolve(next, event)
          seq = yield* writeVersion(Subjects.incident(tenant, incidentId), { event, state: next }, seq)
        }
        return { state: next, events, seq } satisfies Executed
      })

      const execute = Effect.fn("IncidentStore.execute")(function*(
        tenant: string,
        incidentId: string,
        command: IncidentCommand,
        known?: Option.Option<StoredIncident>
      ) {
        // On a lost race, decide again on the winner's state: a second claim then
        // fails as AlreadyClaimed with the winner's name, not as a bare conflict.
        const fresh = attempt(tenant, incidentId, command, undefined).pipe(
          Effect.retry({ schedule: lostRace, while: (error) => error._tag === "WrongLastSequence" })
        )
        const first = known === undefined ? fresh : attempt(tenant, incidentId, command, known).pipe(
          Effect.catchTag("WrongLastSequence", () => fresh)
        )
        return yield* first.pipe(
          Effect.catchTag("WrongLastSequence", () => Effect.fail(new IncidentContended({ incidentId })))
        )
      })

      return IncidentStore.of({ load, execute })
    })
  )
}

