import { DeadLetter, Streams, Subjects } from "@wt/contracts"
import { Effect, Result, Schema } from "effect"
import { PrometheusMetrics } from "effect/observability"
import { clientOf } from "./client.ts"
import { decodeJson } from "./codec.ts"
import { Nats } from "./connection.ts"
import { readSubject } from "./read.ts"

/** What consume's tests publish and read: a number to tell messages apart, and some text. */
export const Note = Schema.Struct({ n: Schema.Number, text: Schema.String })
export type Note = typeof Note.Type

/** A device subject on the alarm lane of a test's own tenant. */
export const subjectOf = (tenant: string, device: string) => Subjects.device(tenant, "alarm", "safety_alarm", device)

/** The server's view of one of the tests' durables on WT_DEVICE. */
export const consumerInfo = (durable: string) =>
  Nats.use((nats) => Effect.tryPromise(() => clientOf(nats).jsm.consumers.info(Streams.device, durable)))

/** A handler's own failure. */
export class Boom extends Schema.TaggedError<Boom>()("Boom", { message: Schema.String }) {}

/** The dead letters triage's consumers wrote for one subject. */
export const deadLettersOn = (subject: string) =>
  readSubject(Streams.deadLetter, Subjects.deadLetter("triage")).pipe(
    Effect.map((messages) =>
      messages
        .map((m) => Result.getOrThrow(decodeJson(DeadLetter, m.data)))
        .filter((letter) => letter.subject === subject)
    )
  )

/** What `wt_consumer_messages_total` says one consumer settled, by outcome, as /metrics renders it. */
export const settledBy = (consumer: string) =>
  PrometheusMetrics.format().pipe(Effect.map((text) => {
    const out: Record<string, number> = {}
    for (const line of text.split("\n")) {
      if (!line.startsWith("wt_consumer_messages_total{") || !line.includes(`consumer="${consumer}"`)) continue
      const outcome = /outcome="([a-z_]+)"/.exec(line)?.[1]
      if (outcome !== undefined) out[outcome] = Number(line.slice(line.lastIndexOf(" ") + 1))
    }
    return out
  }))
