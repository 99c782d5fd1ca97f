import { Kvm, type KV } from "@nats-io/kv"
import { Context, Effect, Layer, Option } from "effect"
import { kvCompareAndSet, kvLastEntry, Nats, NatsRequestFailed, OpenIncidentBucket } from "@wt/nats"

export { OpenIncidentBucket } from "@wt/nats"

export interface OpenPointer {
  readonly incidentId: string
  readonly revision: number
  readonly createdAt: Date
}

const keyOf = (tenant: string, residentId: string) => `${tenant}.${residentId}`
const encoder = new TextEncoder()
const decoder = new TextDecoder()
const failed = (operation: string) => (cause: unknown) =>
  new NatsRequestFailed({ operation, message: cause instanceof Error ? cause.message : String(cause) })

/**
 * Which incident is open for a resident, kept in a JetStream KV bucket so that
 * any number of triage copies agree: `reserve` is a compare-and-set on an empty
 * key, so two alarms from one resident racing on two copies open one incident.
 *
 * The compare-and-set is `kvCompareAndSet`, not the KV client's `create`, which two copies could
 * both win on an R3 bucket of nats-server before 2.9.21.
 */
export class OpenIncidentIndex extends Context.Service<OpenIncidentIndex, {
  readonly find: (tenant: string, residentId: string) => Effect.Effect<Option.Option<OpenPointer>, NatsRequestFailed>
  /** True when this call set the pointer; false when another incident already holds it. */
  readonly reserve: (tenant: string, residentId: string, incidentId: string) => Effect.Effect<boolean, NatsRequestFailed>
  /** Clears the pointer if it is still at `revision`; a pointer someone moved since is left alone. */
  readonly release: (tenant: string, residentId: string, revision: number) => Effect.Effect<void, NatsRequestFailed>
}>()("wt/OpenIncidentIndex") {
  static readonly layer = Layer.effect(
    OpenIncidentIndex,
    Effect.gen(function*() {
      const nats = yield* Nats
      const { js } = nats
      const kv: KV = yield* Effect.tryPromise({
        try: () => new Kvm(js).create(OpenIncidentBucket, { history: 1 }),
        catch: failed(`open KV ${OpenIncidentBucket}`)
      })

      const find = Effect.fn("OpenIncidentIndex.find")(function*(tenant: string, residentId: string) {
        const entry = yield* Effect.tryPromise({ try: () => kv.get(keyOf(tenant, residentId)), catch: failed("kv get") })
        if (entry === null || entry.operation !== "PUT" || entry.length === 0) return Option.none<OpenPointer>()
        return Option.some<OpenPointer>({ incidentId: entry.string(), revision: entry.revision, createdAt: entry.created })
      })

      const reserve = Effect.fn("OpenIncidentIndex.reserve")(function*(tenant: string, residentId: string, incidentId: string) {
        const key = keyOf(tenant, residentId)
        const last = yield* kvLastEntry(OpenIncidentBucket, key)
        // A delete or purge marker has no body; a pointer holds its incident's id, ours on a retry.
        if (Option.isSome(last) && last.value.data.length > 0) return decoder.decode(last.value.data) === incidentId
        const expected = Option.isSome(last) ? last.value.seq : 0
        return (yield* kvCompareAndSet(OpenIncidentBucket, key, encoder.encode(incidentId), expected)) === "written"
      }, Effect.provideService(Nats, nats))

      const release = Effect.fn("OpenIncidentIndex.release")(function*(tenant: string, residentId: string, revision: number) {
        yield* Effect.tryPromise({ try: () => kv.delete(keyOf(tenant, residentId), { previousSeq: revision }), catch: (cause) => cause }).pipe(
          Effect.catch((cause) => (isWrongSequence(cause) ? Effect.void : Effect.fail(failed("kv delete")(cause))))
        )
      })

      return OpenIncidentIndex.of({ find, reserve, release })
    })
  )
}

const isWrongSequence = (cause: unknown): boolean => {
  const text = cause instanceof Error ? `${cause.message} ${String((cause as { api_error?: { err_code?: number } }).api_error?.err_code ?? "")}` : String(cause)
  return /wrong last sequence|10071|key exists/i.test(text)
}
