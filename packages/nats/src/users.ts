import { Streams, Subjects } from "@wt/contracts"
import { FramedThroughSubjects } from "./framed-through.ts"
import { AgencyStream, CareAlarmBucket, DeviceFramesStream, DeviceSeenBucket, OpenIncidentBucket, PendingChecksBucket, ResidentActivityBucket, SealStream, SignsOfLifeStream } from "./installation.ts"

/**
 * The NATS users of an installation, one per service (docs/nats-security.md). Triage's alarm
 * and bulk lanes share `triage`; absence supervision, which alone keeps the supervision
 * buckets, is `supervision`. `provision` is the only user that may create, change, purge or
 * delete streams; `observer` is a test harness's (or an auditor's) read-only view.
 */
export const NatsUsers = [
  "provision",
  "gateway",
  "receivers",
  "triage",
  "supervision",
  "projector",
  "audit",
  "console",
  "dispatch",
  "cli",
  "sim",
  "observer"
] as const
export type NatsUser = (typeof NatsUsers)[number]

/** Subjects a user may (allow) and may never (deny, which wins) publish or subscribe to. */
export interface SubjectPermission {
  readonly allow: ReadonlyArray<string>
  readonly deny: ReadonlyArray<string>
}

export interface UserPermissions {
  readonly publish: SubjectPermission
  readonly subscribe: SubjectPermission
}

/** The installation's own buckets, by what they hold (names in installation.ts, where provisioning reads them). */
export const Buckets = {
  openIncidents: OpenIncidentBucket,
  careAlarms: CareAlarmBucket,
  deviceSeen: DeviceSeenBucket,
  pendingChecks: PendingChecksBucket,
  residentActivity: ResidentActivityBucket
} as const

/**
 * Each user's replies come to inboxes under its own prefix (set on the connection), so no user
 * can subscribe to another's inbox and read what JetStream hands that user (pulled messages,
 * API answers).
 */
export const inboxPrefixOf = (user: NatsUser): string => `_INBOX.${user}`

const api = "$JS.API"

/** Stream state and configuration, no messages: what readiness checks and provisioning checks read. */
const streamInfo = (stream: string) => [`${api}.STREAM.INFO.${stream}`]

/**
 * Reading a stream's messages: single messages (by sequence or last on a subject, also the
 * direct form), and consumers of any kind on it (durable pull consumers, ordered consumers,
 * push consumers with flow control): creating, looking up, pulling from, acknowledging and
 * deleting them. Consumer subjects name their stream, so this grants nothing on other streams.
 */
const streamRead = (stream: string) => [
  ...streamInfo(stream),
  `${api}.STREAM.MSG.GET.${stream}`,
  `${api}.DIRECT.GET.${stream}`,
  `${api}.DIRECT.GET.${stream}.>`,
  `${api}.CONSUMER.CREATE.${stream}`,
  `${api}.CONSUMER.CREATE.${stream}.>`,
  `${api}.CONSUMER.DURABLE.CREATE.${stream}.>`,
  `${api}.CONSUMER.INFO.${stream}.>`,
  `${api}.CONSUMER.NAMES.${stream}`,
  `${api}.CONSUMER.LIST.${stream}`,
  `${api}.CONSUMER.MSG.NEXT.${stream}.>`,
  `${api}.CONSUMER.DELETE.${stream}.>`,
  `$JS.ACK.${stream}.>`,
  `$JS.FC.${stream}.>`
]

/** A KV bucket: its stream read (gets, watches) and its keys written. */
const bucket = (name: string) => [...streamRead(`KV_${name}`), `$KV.${name}.>`]

/** `wt.audit.<tenant>.<kind>` for the given kinds only. */
const auditKinds = (...kinds: ReadonlyArray<string>) => kinds.map((kind) => Subjects.audit("*", kind))

/** The names and settings of every stream, for the users that read them all. */
const streamListing = [`${api}.STREAM.NAMES`, `${api}.STREAM.LIST`]

const contractStreams = Object.values(Streams)
const allStreams = [...contractStreams, SealStream.name, AgencyStream, SignsOfLifeStream.name, DeviceFramesStream.name]

/**
 * What every service needs: JetStream's account info (asked when the client opens its
 * JetStream manager) and the info of the four contract streams (each service checks them at
 * start and in /readyz).
 */
const base = [`${api}.INFO`, ...contractStreams.flatMap(streamInfo)]

/**
 * What no user but `provision` may ever do, denied even where an allow would match: create,
 * change, purge or delete a stream or a message in it, snapshot or restore one, move its leader.
 */
const streamAdministration = [
  `${api}.STREAM.CREATE.>`,
  `${api}.STREAM.UPDATE.>`,
  `${api}.STREAM.DELETE.>`,
  `${api}.STREAM.PURGE.>`,
  `${api}.STREAM.MSG.DELETE.>`,
  `${api}.STREAM.SNAPSHOT.>`,
  `${api}.STREAM.RESTORE.>`,
  `${api}.STREAM.PEER.REMOVE.>`,
  `${api}.STREAM.LEADER.STEPDOWN.>`,
  `${api}.META.>`,
  `${api}.SERVER.>`,
  `${api}.ACCOUNT.>`
]

const user = (
  name: NatsUser,
  publish: ReadonlyArray<string>,
  denyPublish: ReadonlyArray<string> = [],
  subscribe: ReadonlyArray<string> = []
): UserPermissions => ({
  publish: {
    allow: [...new Set([...base, ...publish])],
    deny: name === "provision" ? [] : [...streamAdministration, ...denyPublish]
  },
  // No user subscribes to a data subject: events reach services through JetStream consumers,
  // whose deliveries come to the user's own inbox. The services that write device frames also hear
  // the writers' marks of how far each lane is framed (positions, no data): supervision judges
  // absences by them, and a writer standing by waits while another marks.
  subscribe: { allow: [`${inboxPrefixOf(name)}.>`, ...subscribe], deny: [] }
})

/**
 * GPS positions only, for the console's maps: a consumer on WT_DEVICE may be made only with one
 * filter naming a tracker's subject (`wt.dev.<tenant>.*.gps.<device>`), which the client puts in
 * the request's subject (`CONSUMER.CREATE.<stream>.<name>.<filter>`), so no other event can be read.
 * It pushes into the user's own inbox and goes away by itself (inactive threshold): no pull, no
 * delete, nothing that could touch another service's consumer.
 */
const gpsPositionsRead = [`${api}.CONSUMER.CREATE.${Streams.device}.*.wt.dev.*.*.gps.*`]

const deadLetters = (...sources: ReadonlyArray<string>) => sources.map(Subjects.deadLetter)

const incidentWriter = [Subjects.incidentAll, ...streamRead(Streams.incident)]

// Device events are written only by those that take them in, never incidents or audit entries.
const noIncidentsNoAudit = [Subjects.incidentAll, Subjects.auditAll, "wt.seal.>"]

/**
 * The permissions of every user. A service's needs, as read from its code (streams it consumes
 * or reads, subjects it writes, its dead-letter sources) and checked by running the end-to-end
 * tests with them on (packages/nats/src/users.test.ts shows what each may not do).
 */
export const permissionsOf: Readonly<Record<NatsUser, UserPermissions>> = {
  // Creates and updates every stream, bucket and (when it wishes) consumer; reads nothing and writes no message.
  provision: user("provision", [`${api}.>`]),
  gateway: user("gateway", [Subjects.deviceAll, ...deadLetters("gateway", "webhook")], noIncidentsNoAudit),
  receivers: user("receivers", [Subjects.deviceAll, ...deadLetters("dc09", "scaip", "osmand")], noIncidentsNoAudit),
  // Device lanes in (the bulk lanes in frames, which it writes with audit), incidents out; the
  // open-incident index and care-alarm history are triage's buckets.
  triage: user("triage", [
    ...streamRead(Streams.device),
    ...streamRead(DeviceFramesStream.name),
    DeviceFramesStream.subjects,
    FramedThroughSubjects,
    ...incidentWriter,
    ...bucket(Buckets.openIncidents),
    ...bucket(Buckets.careAlarms),
    ...deadLetters("triage")
  ], [Subjects.auditAll], [FramedThroughSubjects]),
  // Triage's rights plus the buckets and the journal of absence supervision, which only it keeps.
  supervision: user("supervision", [
    ...streamRead(Streams.device),
    ...streamRead(DeviceFramesStream.name),
    DeviceFramesStream.subjects,
    FramedThroughSubjects,
    ...incidentWriter,
    ...bucket(Buckets.openIncidents),
    ...bucket(Buckets.careAlarms),
    ...bucket(Buckets.deviceSeen),
    ...bucket(Buckets.pendingChecks),
    ...bucket(Buckets.residentActivity),
    ...streamRead(SignsOfLifeStream.name),
    SignsOfLifeStream.subjects,
    ...deadLetters("triage")
  ], [Subjects.auditAll], [FramedThroughSubjects]),
  projector: user("projector", [...streamRead(Streams.incident), ...deadLetters("projector")], [Subjects.incidentAll, Subjects.auditAll]),
  // Writes the audit entries of what passes through the pipeline, reads the trail it seals and writes the seals;
  // writes the bulk lanes' device frames and reads them back.
  audit: user("audit", [
    ...streamRead(Streams.device),
    ...streamRead(DeviceFramesStream.name),
    DeviceFramesStream.subjects,
    FramedThroughSubjects,
    ...streamRead(Streams.incident),
    ...streamRead(Streams.audit),
    ...streamRead(SealStream.name),
    ...auditKinds("device_event", "device_events", "triage_decision", "incident_event", "operator_action"),
    "wt.seal.>",
    ...deadLetters("audit")
  ], [Subjects.incidentAll, Subjects.deviceAll], [FramedThroughSubjects]),
  // Operators' commands are incident events; views of a record, exports, configuration changes and sign-ins are audited by the console itself.
  console: user("console", [
    ...incidentWriter,
    ...gpsPositionsRead,
    ...auditKinds("record_view", "export", "config_change", "authentication"),
    ...deadLetters("console")
  ], [Subjects.deviceAll]),
  dispatch: user("dispatch", [
    ...incidentWriter,
    ...streamInfo(AgencyStream),
    "wt.agency.>",
    ...auditKinds("record_view", "elock_access"),
    ...deadLetters("dispatch")
  ], [Subjects.deviceAll]),
  // A supervisor's and administrator's `pnpm wt`: reads every stream; audits its own exports, views and configuration changes.
  cli: user("cli", [
    ...streamListing,
    ...allStreams.flatMap(streamRead),
    ...auditKinds("export", "config_change", "record_view")
  ], [Subjects.deviceAll, Subjects.incidentAll]),
  // The device simulator and benchmark publishers (`--via nats`): device events only.
  sim: user("sim", [Subjects.deviceAll, `${api}.STREAM.NAMES`, ...streamInfo(Streams.device)], noIncidentsNoAudit),
  observer: user("observer", [...streamListing, ...allStreams.flatMap(streamRead)], ["wt.>"])
}
