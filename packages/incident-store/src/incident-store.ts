import { randomUUID } from "node:crypto"
import { Context, Effect, Layer, Option, Result, Schema } from "effect"
import {
  deviceEventKey,
  type IncidentCommand,
  type IncidentEvent,
  IncidentRecord,
  type IncidentState,
  Streams,
  Subjects
} from "@wt/contracts"
import { decide, evolve, type IncidentRejected } from "@wt/incident"
import { decodeJson, Nats, NatsRequestFailed, PublishFailed, publishEvent, readLastOnSubject } from "@wt/nats"

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

/** What makes a retried write of the same command land once: the device event's identity, else a fresh id. */
const fingerprint = (command: IncidentCommand): string =>
  command.type === "open_incident" || command.type === "correlate_device_event" ? deviceEventKey(command.deviceEvent) : randomUUID()

/**
 * Event-sourced incidents on WT_INCIDENT, one subject per incident. Each message
 * carries the event and the state after it, so loading is one read of the subject's
 * last message, and every write names the sequence it was decided on: of two
 * operators claiming at once, exactly one write is stored.
 */
export class IncidentStore extends Context.Service<IncidentStore, {
  readonly load: (tenant: string, incidentId: string) => Effect.Effect<Option.Option<StoredIncident>, IncidentUnreadable | NatsRequestFailed>
  readonly execute: (
    tenant: string,
    incidentId: string,
    command: IncidentCommand
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

      const attempt = Effect.fnUntraced(function*(tenant: string, incidentId: string, command: IncidentCommand, id: string) {
        const stored = yield* load(tenant, incidentId)
        const state = Option.isSome(stored) ? stored.value.state : undefined
        const events = yield* Effect.fromResult(decide(command, state, incidentId))
        let next = state
        let seq = Option.isSome(stored) ? stored.value.seq : 0
        for (const event of events) {
          next = evolve(next, event)
          const published = yield* publishEvent(
            Subjects.incident(tenant, incidentId),
            IncidentRecord,
            { event, state: next },
            { msgId: `${incidentId}:${next.version}:${id}`, expectedLastSubjectSequence: seq }
          ).pipe(Effect.provideService(Nats, nats))
          seq = published.seq
        }
        return { state: next, events, seq } satisfies Executed
      })

      const execute = Effect.fn("IncidentStore.execute")(function*(tenant: string, incidentId: string, command: IncidentCommand) {
        const id = fingerprint(command)
        // On a lost race, decide again on the winner's state: a second claim then
        // fails as AlreadyClaimed with the winner's name, not as a bare conflict.
        for (let tries = 0; tries < 12; tries++) {
          const result = yield* attempt(tenant, incidentId, command, id).pipe(
            Effect.map(Option.some),
            Effect.catchTag("WrongLastSequence", () => Effect.succeed(Option.none<Executed>()))
          )
          if (Option.isSome(result)) return result.value
          // Jittered, growing pause so a burst of writers on one incident spreads out.
          yield* Effect.sleep(Math.floor(Math.random() * 4 * (tries + 1)))
        }
        return yield* new IncidentContended({ incidentId })
      })

      return IncidentStore.of({ load, execute })
    })
  )
}

