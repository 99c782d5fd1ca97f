import { Streams, Subjects } from "@wt/contracts"
import { Effect, Schema } from "effect"
import { clientOf } from "./client.ts"
import { Nats } from "./connection.ts"

/** What consume's tests publish and read: a number to tell messages apart, and some text. */
export const Note = Schema.Struct({ n: Schema.Number, text: Schema.String })
export type Note = typeof Note.Type

/** A device subject on the alarm lane of a test's own tenant. */
export const subjectOf = (tenant: string, device: string) => Subjects.device(tenant, "alarm", "safety_alarm", device)

/** The server's view of one of the tests' durables on WT_DEVICE. */
export const consumerInfo = (durable: string) =>
  Nats.use((nats) => Effect.tryPromise(() => clientOf(nats).jsm.consumers.info(Streams.device, durable)))
