import { DiscardPolicy, RetentionPolicy, StorageType } from "@nats-io/jetstream"
import { nanos } from "@nats-io/transport-node"
import type { NatsSettings } from "./config.ts"
import type { StreamSpec } from "./streams.ts"

/**
 * The streams and KV buckets of an installation beyond the four of the contract: what provisioning
 * (the `provision` user, packages/launcher) creates, and each owning service only checks at start.
 * Named here, in one package, so provisioning depends on no service.
 */

/** Where the audit service publishes its seals and its public keys. */
export const SealStream = {
  name: "WT_AUDIT_SEALS",
  /** One message per seal, in stream order of WT_AUDIT. */
  sealSubject: "wt.seal.audit",
  /** One message per signing key ever used. */
  keySubject: "wt.seal.key",
  subjects: "wt.seal.>"
} as const

/** The stream sealed, named in every seal. */
export const SealedStream = "WT_AUDIT"

/**
 * A file stream of the installation with limits retention, at the installation's replicas, read
 * by direct gets, and de-duplicated over two minutes by `Nats-Msg-Id`. `kept`: whether its
 * messages can be neither deleted nor purged.
 */
const installationStream = (
  settings: Pick<NatsSettings, "replicas">,
  spec: { readonly name: string; readonly description: string; readonly subjects: string; readonly maxAgeMs: number; readonly kept: boolean }
): StreamSpec => ({
  name: spec.name,
  description: spec.description,
  subjects: [spec.subjects],
  storage: StorageType.File,
  retention: RetentionPolicy.Limits,
  discard: DiscardPolicy.Old,
  max_age: nanos(spec.maxAgeMs),
  duplicate_window: nanos(2 * 60 * 1000),
  num_replicas: settings.replicas,
  allow_direct: true,
  deny_delete: spec.kept,
  deny_purge: spec.kept
})

/** Seals and keys are kept forever and, like the audit trail, can be neither deleted nor purged. */
export const sealStreamSpec = (settings: Pick<NatsSettings, "replicas">): StreamSpec =>
  installationStream(settings, {
    name: SealStream.name,
    description: "Signed seals over WT_AUDIT and the keys that verify them; messages can be neither deleted nor purged",
    subjects: SealStream.subjects,
    maxAgeMs: 0,
    kept: true
  })

/** Alerts to outside agencies (fire 110, police 112, ambulance 113), for whatever bridge consumes them. */
export const AgencyStream = "WT_AGENCY"

export const agencyStreamSpec = (settings: Pick<NatsSettings, "replicas">): StreamSpec =>
  installationStream(settings, {
    name: AgencyStream,
    description: "Alerts to outside agencies (fire 110, police 112, ambulance 113)",
    subjects: "wt.agency.>",
    maxAgeMs: 30 * 24 * 3600 * 1000,
    kept: true
  })

/**
 * Supervision's journal of signs of life: each copy publishes, once per flush, one page of the
 * newest sign of every device it heard from, and every copy reads the journal back. It replaces a
 * KV write per device and heartbeat (docs/supervision-journal.md); the device's KV entry is brought
 * up to date only when the journal would otherwise be the sole holder of its last sign for long.
 */
export const SignsOfLifeStream = {
  name: "WT_SIGNS_OF_LIFE",
  subjects: "wt.signs.>",
  /** Where one copy of supervision publishes its pages (`wt.signs.journal.<copy>`): it need not read its own back. */
  subjectOf: (copy: string) => `wt.signs.journal.${copy}`
} as const

/**
 * How long the journal keeps a page. A sign is in KV at the latest once it is `WT_SUPERVISION_KV_AFTER`
 * old (10 minutes by default, at most half of this), so a copy that starts reads the whole picture
 * from KV and the journal's last half hour.
 */
export const SignsOfLifeKeepMs = 30 * 60_000

export const signsOfLifeStreamSpec = (settings: Pick<NatsSettings, "replicas">): StreamSpec =>
  installationStream(settings, {
    name: SignsOfLifeStream.name,
    description: "Supervision's journal of signs of life, one page per copy and flush; kept half an hour",
    subjects: SignsOfLifeStream.subjects,
    maxAgeMs: SignsOfLifeKeepMs,
    kept: false
  })

/**
 * Device frames: each bulk lane's stored device events, a few hundred to a message, in stream order
 * without gap or overlap (device-frame.ts), for the readers of every heartbeat and position. Written
 * by the audit service's frame writer, one subject per lane.
 */
export const DeviceFramesStream = {
  name: "WT_DEVICE_FRAMES",
  subject: (lane: "tech" | "telemetry") => `wt.frames.device.${lane}`,
  subjects: "wt.frames.>"
} as const

/** Frames are kept as long as the events they hold. */
export const deviceFramesStreamSpec = (settings: Pick<NatsSettings, "replicas" | "deviceMaxAgeMs">): StreamSpec =>
  installationStream(settings, {
    name: DeviceFramesStream.name,
    description: "Each bulk lane's device events, a few hundred to a message, in WT_DEVICE's order; kept as long as WT_DEVICE keeps them",
    subjects: DeviceFramesStream.subjects,
    maxAgeMs: settings.deviceMaxAgeMs,
    kept: false
  })

/** The resident's one open incident, key `<tenant>.<residentId>` (correlation, every triage copy). */
export const OpenIncidentBucket = "wt_open_incidents"
/** Each resident's recent care alarms across incidents, key `<tenant>.<residentId>`. */
export const CareAlarmBucket = "wt_care_alarms"
/** Last sign of life per device, key `<tenant>.<deviceId>` (supervision). */
export const DeviceSeenBucket = "wt_device_seen"
/** Left-bed, night-door and dose checks, key `<tenant>.<kind>.<subject>` (supervision). */
export const PendingChecksBucket = "wt_pending_checks"
/** Latest activity in the home per resident with a motion sensor, key `<tenant>.<residentId>` (supervision). */
export const ResidentActivityBucket = "wt_resident_activity"

/** Checks settle within hours; a week leaves any forgotten one to expire. */
export const PendingCheckTtlMs = 7 * 24 * 3_600_000

/** Every KV bucket of an installation, with its key lifetime where it has one. */
export const InstallationBuckets: ReadonlyArray<{ readonly bucket: string; readonly ttlMs?: number }> = [
  { bucket: OpenIncidentBucket },
  { bucket: CareAlarmBucket },
  { bucket: DeviceSeenBucket },
  { bucket: PendingChecksBucket, ttlMs: PendingCheckTtlMs },
  { bucket: ResidentActivityBucket }
]
