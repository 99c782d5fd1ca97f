import { Context, Effect, Layer, Option } from "effect"
import { Nats, type NatsRequestFailed, OpenIncidentBucket } from "@wt/nats"
import { type OpenPointerMirror, watchOpenPointers } from "./open-pointer-mirror.ts"

export { OpenIncidentBucket } from "@wt/nats"

export interface OpenPointer {
  readonly incidentId: string
  readonly revision: number
  readonly createdAt: Date
}

/** No incident open for the resident: the key's last revision (a delete marker's, or 0). */
export interface Vacant {
  readonly _tag: "Vacant"
  readonly revision: number
}

export const isVacant = (found: OpenPointer | Vacant): found is Vacant => "_tag" in found

const keyOf = (tenant: string, residentId: string) => `${tenant}.${residentId}`
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * Which incident is open for a resident, kept in a JetStream KV bucket so that
 * any number of triage copies agree: `reserve` is a compare-and-set on an empty
 * key, so two alarms from one resident racing on two copies open one incident.
 *
 * The compare-and-set is the bucket's `update` (`kvCompareAndSet` in @wt/nats), not the KV client's
 * `create`, which two copies could both win on an R3 bucket of nats-server before 2.9.21.
 */
export class OpenIncidentIndex extends Context.Service<OpenIncidentIndex, {
  readonly find: (tenant: string, residentId: string) => Effect.Effect<Option.Option<OpenPointer>, NatsRequestFailed>
  /**
   * The pointer as this process holds it, without a request: where the index is watched
   * (`layerWatched`) and has caught up, else undefined. A guess that may lag the bucket by a
   * moment, so it is acted on only by compare-and-set (`reserve` given its vacancy, `replace`),
   * and a write that fails is followed by a `lookup`.
   */
  readonly peek: (tenant: string, residentId: string) => OpenPointer | Vacant | undefined
  /** As `find`, or where no incident is open, the revision the key was seen vacant at (0: never set), for `reserve`. */
  readonly lookup: (tenant: string, residentId: string) => Effect.Effect<OpenPointer | Vacant, NatsRequestFailed>
  /**
   * True when this call set the pointer; false when another incident already holds it. Given the
   * vacancy a `lookup` just saw, it sets the pointer at that revision without reading it again:
   * a pointer set since fails the compare-and-set, and the caller looks again.
   */
  readonly reserve: (tenant: string, residentId: string, incidentId: string, seen?: Vacant) => Effect.Effect<boolean, NatsRequestFailed>
  /**
   * Points the resident at `incidentId` in place of the pointer seen at `revision` (its incident
   * ended, or its reservation was abandoned): true when this call moved it, false when someone
   * moved it since. One compare-and-set where a release, a lookup and a reservation were three
   * round trips on the way to a care alarm's incident.
   */
  readonly replace: (tenant: string, residentId: string, incidentId: string, revision: number) => Effect.Effect<boolean, NatsRequestFailed>
  /** Clears the pointer if it is still at `revision`; a pointer someone moved since is left alone. */
  readonly release: (tenant: string, residentId: string, revision: number) => Effect.Effect<void, NatsRequestFailed>
}>()("wt/OpenIncidentIndex") {
  /** Every look a request to the bucket's leader: for processes that route few events (supervision). */
  static readonly layer = Layer.effect(OpenIncidentIndex, Effect.suspend(() => makeIndex(false)))
  /**
   * Also holds the bucket in memory, kept current by a watch (`peek`): for triage, where a care
   * alarm's way to its incident is one round trip shorter for it.
   */
  static readonly layerWatched = Layer.effect(OpenIncidentIndex, Effect.suspend(() => makeIndex(true)))
}

// Untraced: built once per process, and its watch would keep this span as its parent.
const makeIndex = Effect.fnUntraced(function*(watched: boolean) {
  const nats = yield* Nats
  const kv = yield* nats.kv(OpenIncidentBucket)
  const mirror: OpenPointerMirror | undefined = watched ? yield* watchOpenPointers(kv) : undefined

  const peek = (tenant: string, residentId: string): OpenPointer | Vacant | undefined => {
    const held = mirror?.get(keyOf(tenant, residentId))
    if (held === undefined) return undefined
    if (held === "never written") return { _tag: "Vacant", revision: 0 }
    if (held.incidentId === undefined) return { _tag: "Vacant", revision: held.revision }
    return { incidentId: held.incidentId, revision: held.revision, createdAt: held.createdAt }
  }

  // Read from the bucket's stream leader, never a replica: a direct get is answered by any replica
  // the server picks, a frozen node too, and every such read waited out its timeout on the alarm lane.
  const lookup = Effect.fn("OpenIncidentIndex.lookup")(function*(tenant: string, residentId: string) {
    const entry = Option.getOrUndefined(yield* kv.lastEntry(keyOf(tenant, residentId)))
    if (entry === undefined) return { _tag: "Vacant", revision: 0 } satisfies Vacant
    if (entry.operation !== "PUT" || entry.value.length === 0) return { _tag: "Vacant", revision: entry.revision } satisfies Vacant
    return { incidentId: decoder.decode(entry.value), revision: entry.revision, createdAt: entry.created } satisfies OpenPointer
  })

  const find = (tenant: string, residentId: string) =>
    lookup(tenant, residentId).pipe(Effect.map((found) => isVacant(found) ? Option.none<OpenPointer>() : Option.some(found)))

  // The pointer set at `revision`; what this process wrote is in its mirror before the watch brings it.
  const setAt = (tenant: string, residentId: string, incidentId: string, revision: number) =>
    kv.update(keyOf(tenant, residentId), encoder.encode(incidentId), revision).pipe(
      Effect.map((written) => {
        if (Option.isNone(written)) return false
        mirror?.wrote(keyOf(tenant, residentId), incidentId, written.value)
        return true
      })
    )

  const reserve = Effect.fn("OpenIncidentIndex.reserve")(function*(tenant: string, residentId: string, incidentId: string, seen?: Vacant) {
    const found = seen ?? (yield* lookup(tenant, residentId))
    // A pointer holds its incident's id, ours on a retry.
    if (!isVacant(found)) return found.incidentId === incidentId
    return yield* setAt(tenant, residentId, incidentId, found.revision)
  })

  const replace = Effect.fn("OpenIncidentIndex.replace")(function*(tenant: string, residentId: string, incidentId: string, revision: number) {
    return yield* setAt(tenant, residentId, incidentId, revision)
  })

  // A pointer someone moved since (false) is theirs now: left alone.
  const release = Effect.fn("OpenIncidentIndex.release")(function*(tenant: string, residentId: string, revision: number) {
    yield* kv.delete(keyOf(tenant, residentId), { revision })
  })

  return OpenIncidentIndex.of({ find, peek, lookup, reserve, replace, release })
})
