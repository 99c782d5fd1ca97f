import { DiscardPolicy, RetentionPolicy, StorageType, type StreamConfig } from "@nats-io/jetstream"
import { nanos, PermissionViolationError } from "@nats-io/transport-node"
import { DeviceDedupWindowMs, Streams, Subjects } from "@wt/contracts"
import { Effect } from "effect"
import { NatsConfig, type NatsSettings } from "./config.ts"
import { clientOf } from "./client.ts"
import { Nats } from "./connection.ts"
import { apiErrorCode, errorMessage, StreamProvisionFailed } from "./errors.ts"
import { retryWhilePlacementPending } from "./placement.ts"

const StreamNotFound = 10059
const StreamNameInUse = 10058
const TwoMinutesMs = 2 * 60 * 1000

/** The fields provisioning owns; anything else an operator sets on a stream is left alone. */
export type StreamSpec = Pick<
  StreamConfig,
  | "name"
  | "description"
  | "subjects"
  | "storage"
  | "retention"
  | "discard"
  | "max_age"
  | "duplicate_window"
  | "num_replicas"
  | "allow_direct"
  | "deny_delete"
  | "deny_purge"
>

/** The four streams of the contract, sized by the settings. Only features of nats-server 2.9 are used. */
export const streamSpecs = (settings: NatsSettings): ReadonlyArray<StreamSpec> => {
  const common = {
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: settings.replicas,
    allow_direct: true
  } as const
  return [
    {
      ...common,
      name: Streams.device,
      description: "Device events, one lane per urgency class; de-duplicated by event id",
      subjects: [Subjects.deviceAll],
      max_age: nanos(settings.deviceMaxAgeMs),
      duplicate_window: nanos(DeviceDedupWindowMs),
      deny_delete: false,
      deny_purge: false
    },
    {
      ...common,
      name: Streams.incident,
      description: "Event-sourced incidents, one subject per incident",
      subjects: [Subjects.incidentAll],
      max_age: nanos(settings.incidentMaxAgeMs),
      duplicate_window: nanos(TwoMinutesMs),
      deny_delete: false,
      deny_purge: false
    },
    {
      ...common,
      name: Streams.audit,
      description: "Audit trail; messages can be neither deleted nor purged",
      subjects: [Subjects.auditAll],
      max_age: nanos(settings.auditMaxAgeMs),
      duplicate_window: nanos(TwoMinutesMs),
      deny_delete: true,
      deny_purge: true
    },
    {
      ...common,
      name: Streams.deadLetter,
      description: "Rejected inputs with their reason and raw bytes",
      subjects: [Subjects.deadLetterAll],
      max_age: nanos(settings.deadLetterMaxAgeMs),
      duplicate_window: nanos(TwoMinutesMs),
      deny_delete: false,
      deny_purge: false
    }
  ]
}

const sameSubjects = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) =>
  a.length === b.length && a.every((s, i) => s === b[i])

const differs = (current: Partial<StreamConfig>, spec: StreamSpec) =>
  !sameSubjects(current.subjects ?? [], spec.subjects) ||
  current.description !== spec.description ||
  current.max_age !== spec.max_age ||
  current.duplicate_window !== spec.duplicate_window ||
  current.num_replicas !== spec.num_replicas ||
  current.allow_direct !== spec.allow_direct ||
  current.deny_delete !== spec.deny_delete ||
  current.deny_purge !== spec.deny_purge ||
  current.discard !== spec.discard

/** Whether the server refused the request because this client's user may not make it. */
export const isPermissionViolation = (cause: unknown): boolean =>
  cause instanceof PermissionViolationError || (cause instanceof Error && /permissions violation/i.test(cause.message))

/**
 * Creates the stream, or updates it in place when its settings changed (e.g. replicas raised to 3).
 * Where the client's NATS user may not change streams (every service's but provisioning's), an
 * existing stream is used as it is (a difference is logged) and a missing one fails, naming the fix.
 */
export const ensureStream = Effect.fn("Nats.ensureStream")(function*(spec: StreamSpec) {
  const { jsm } = clientOf(yield* Nats)
  const failed = (cause: unknown) => new StreamProvisionFailed({ stream: spec.name, message: errorMessage(cause) })
  const { name, storage, retention, ...updatable } = spec
  const update = Effect.tryPromise({ try: () => jsm.streams.update(name, updatable), catch: (cause) => cause }).pipe(
    Effect.as("updated" as const),
    Effect.catch((cause) =>
      isPermissionViolation(cause)
        ? Effect.logWarning(
          `stream ${name} differs from this service's settings, and only the provisioning user may change it: ` +
            "run provisioning (pnpm start does at each start) with the same NATS_* settings"
        ).pipe(Effect.as("unchanged" as const))
        : Effect.fail(failed(cause))
    )
  )

  const current = yield* Effect.tryPromise({ try: () => jsm.streams.info(name), catch: (cause) => cause }).pipe(
    Effect.map((info) => info.config),
    Effect.catch((cause) => (apiErrorCode(cause) === StreamNotFound ? Effect.succeed(undefined) : Effect.fail(failed(cause))))
  )
  if (current === undefined) {
    return yield* retryWhilePlacementPending(Effect.tryPromise({ try: () => jsm.streams.add({ ...spec }), catch: (cause) => cause })).pipe(
      Effect.as("created" as const),
      Effect.catch((cause) =>
        // Another copy of the service created it first.
        apiErrorCode(cause) === StreamNameInUse
          ? update
          : Effect.fail(
            isPermissionViolation(cause)
              ? new StreamProvisionFailed({
                stream: name,
                message: "the stream does not exist and this NATS user may not create it: run provisioning first (pnpm start does; see docs/nats-security.md)"
              })
              : failed(cause)
          )
      )
    )
  }
  if (!differs(current, spec)) return "unchanged" as const
  return yield* update
})

/** Creates or updates the four streams with the given settings; safe to run from every service at every start. */
export const provisionStreamsWith = Effect.fn("Nats.provisionStreams")(function*(settings: NatsSettings) {
  for (const spec of streamSpecs(settings)) {
    const outcome = yield* ensureStream(spec)
    if (outcome !== "unchanged") yield* Effect.logInfo(`stream ${spec.name} ${outcome}`)
  }
})

/** Creates or updates the four streams with the settings of `NatsConfig`. */
export const provisionStreams = NatsConfig.use(provisionStreamsWith)

/** True when all four streams exist; for /readyz. Never fails, answers within about 2 s. */
export const streamsReady: Effect.Effect<boolean, never, Nats> = Effect.gen(function*() {
  const { jsm } = clientOf(yield* Nats)
  const exists = yield* Effect.forEach(
    Object.values(Streams),
    (name) =>
      Effect.tryPromise(() => jsm.streams.info(name)).pipe(
        Effect.timeout("2 seconds"),
        Effect.as(true),
        Effect.catch(() => Effect.succeed(false))
      ),
    { concurrency: "unbounded" }
  )
  return exists.every((e) => e)
})
