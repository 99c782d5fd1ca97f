import { fileURLToPath } from "node:url"
import type { BundleSpec } from "./service-bundle.ts"

/** The services of one installation, with their entry points and default ports. */
export const ServiceNames = ["gateway", "receivers", "triage", "triage-bulk", "supervision", "projector", "audit", "console", "dispatch"] as const
export type ServiceName = (typeof ServiceNames)[number]

const root = fileURLToPath(new URL("../../../", import.meta.url))

/**
 * The largest heap is absence supervision's: every device's expectations and last sign of
 * life, and every sign of life not yet written. With 110,000 devices it held 85 MB live at the
 * end of the full benchmark's storm, its peak (measured from a heap snapshot). Under the 160 MB
 * cap V8 let its heap grow to 140–158 MB, and with the 55 MB of the Node binary's pages and
 * malloc beside it the process peaked at 240–259 MB resident.
 */
const SupervisionHeapMb = 136

/**
 * The gateway holds each request's parsed events from its body until nats-server has stored them
 * all, and those of the requests waiting for the ingest window too: with the 8 MB semi-space every
 * service has, collecting garbage took 38 % of its time in the pipeline (profiled, 2026-12-08).
 * 16 MB: 16–17 µs per event against 17–22 (median 19), its resident peak 204–207 MB against
 * 169–193; 32 MB saved a little more and peaked at 239–246 MB, too near the 256 MB budget
 * (docs/benchmarks/2026-12-08-storm-looks-gateway-young-generation.md).
 */
const GatewaySemiSpaceMb = 16

/**
 * Triage runs as two processes of the same service on one machine, told their lanes by
 * `WT_TRIAGE_LANES`: the alarm lane in its own process, so a care alarm never waits on an event
 * loop busy with a backlog of heartbeats and positions; the tech and telemetry lanes in
 * `triage-bulk`. The watches for what did not happen in time, absence supervision and the
 * escalation of unclaimed incidents, are the supervision service's. Escalation is kept off the
 * alarm lane's process because, with thousands of incidents waiting (the benchmark's storm), its
 * sweeps delayed the care alarms it exists for. With 100,000 devices, triage-bulk holds the fleet
 * snapshot and supervision every device's sign of life: together they outgrew one process's
 * 256 MB budget (triage-bulk ran out of heap in the full benchmark). Separately deployed, any
 * split of the lanes works.
 */
const program: Record<ServiceName, {
  readonly service: string
  readonly env: Readonly<Record<string, string>>
  /** Its V8 old-generation cap in MB, when not the default (see `nodeFlagsOf`). */
  readonly heapMb?: number
  /** Its V8 young-generation semi-space in MB, when not the default (see `nodeFlagsOf`). */
  readonly semiSpaceMb?: number
}> = {
  gateway: { service: "gateway", env: {}, semiSpaceMb: GatewaySemiSpaceMb },
  receivers: { service: "receivers", env: {} },
  // The alarm lane looks devices up one by one (cached): care alarms are rare, and a whole-fleet snapshot reload would stall them.
  triage: { service: "triage", env: { WT_TRIAGE_LANES: "alarm", WT_REGISTRY_FLEET_SNAPSHOT: "false" } },
  "triage-bulk": { service: "triage", env: { WT_TRIAGE_LANES: "tech,telemetry" } },
  // Supervision knows its devices from its own fleet list; the registry is asked only about a device not on it.
  supervision: { service: "supervision", env: { WT_REGISTRY_FLEET_SNAPSHOT: "false" }, heapMb: SupervisionHeapMb },
  projector: { service: "projector", env: {} },
  audit: { service: "audit", env: {} },
  console: { service: "console", env: {} },
  dispatch: { service: "dispatch", env: {} }
}

/** A service's TypeScript entry, run as it is when `WT_SERVICE_BUNDLE=off`. */
export const sourceEntryOf = (name: ServiceName): string => `${root}services/${program[name].service}/src/main.ts`

/**
 * What goes into a service's bundle: its main module and the console's fallback page (read
 * beside its code). No service starts a worker thread: the live trail's verification worker
 * (packages/audit-log) runs in `wt audit verify`, which starts from source.
 */
export const bundleSpecOf = (name: ServiceName): BundleSpec => {
  const service = program[name].service
  return {
    serviceDir: `${root}services/${service}`,
    entries: { main: "src/main.ts" },
    assets: service === "console" ? ["src/page.html"] : []
  }
}

/** Whether services start from their bundles (the default) or from their .ts sources (`WT_SERVICE_BUNDLE=off`). */
export const runsBundled = (env: Readonly<Record<string, string | undefined>>): boolean => env["WT_SERVICE_BUNDLE"] !== "off"

/**
 * Environment a process needs beyond the shared one: which lanes a triage process takes,
 * and its own port under the variable its program reads (both triage processes read WT_TRIAGE_PORT).
 */
export const processEnv = (name: ServiceName, port: number): Readonly<Record<string, string>> => ({
  ...program[name].env,
  [portVariable[program[name].service as ServiceName]]: String(port)
})

/**
 * Environment of a copy beyond the first. One copy of audit seals, the others only write
 * entries (`WT_AUDIT_SEALING=false`): a seal is published with expected-last-subject-sequence
 * on the seal it links to, and on a clustered stream nats-server before 2.9.21 checks that
 * only against what is stored, not against a write in flight (nats-io/nats-server#4320), so two
 * sealers on three replicas forked the chain within a minute in the fault suite.
 */
export const copyEnvOf = (name: ServiceName, copy: number): Readonly<Record<string, string>> =>
  name === "audit" && copy > 1 ? { WT_AUDIT_SEALING: "false" } : {}

/** Port each service serves /healthz, /readyz and /metrics on (gateway and console also serve their APIs there). */
export const defaultPorts: Record<ServiceName, number> = {
  gateway: 8081,
  receivers: 8097,
  console: 8080,
  triage: 8091,
  "triage-bulk": 8094,
  supervision: 8096,
  projector: 8092,
  audit: 8093,
  dispatch: 8095
}

/**
 * The services whose port people, devices and phones are told (the console, HTTP ingest and
 * webhooks, the responder API): on one machine they keep their contract ports unless set. Every
 * other service's port only the launcher needs to know (/healthz, /readyz, /metrics), so there it
 * is a free one unless set, and a second system on the same machine does not collide on them.
 */
export const FixedPortServices: ReadonlySet<ServiceName> = new Set(["gateway", "console", "dispatch"])

/** The environment variable that sets each service's port. */
export const portVariable: Record<ServiceName, string> = {
  gateway: "WT_INGEST_PORT",
  receivers: "WT_RECEIVERS_PORT",
  console: "WT_HTTP_PORT",
  triage: "WT_TRIAGE_PORT",
  "triage-bulk": "WT_TRIAGE_BULK_PORT",
  supervision: "WT_SUPERVISION_PORT",
  projector: "WT_PROJECTOR_PORT",
  audit: "WT_AUDIT_PORT",
  dispatch: "WT_DISPATCH_PORT"
}

/**
 * Node flags each service process starts with. V8 grows a heap lazily towards a limit far
 * above what a service holds live, so under load the services sat at 300–700 MB resident;
 * a cap on the old generation makes V8 collect sooner and keeps each process within the
 * 256 MB resident budget every service is held to (a benchmark target, docs/architecture.md).
 * The young generation is sized explicitly: derived from a small old generation it would be
 * 1–2 MB, and short-lived garbage (one object graph per message) would be collected far too often. `WT_SERVICE_HEAP_MB` sets the cap of every process; 0 leaves V8's defaults.
 */
export const nodeFlagsOf = (name: ServiceName, env: Readonly<Record<string, string | undefined>>): ReadonlyArray<string> => {
  const heapMb = heapCapMbOf(name, env)
  if (heapMb === undefined) return []
  const semiSpaceMb = Number(env["WT_SERVICE_SEMI_SPACE_MB"] ?? program[name].semiSpaceMb ?? DefaultSemiSpaceMb)
  const young = Number.isFinite(semiSpaceMb) && semiSpaceMb > 0 ? [`--max-semi-space-size=${Math.round(semiSpaceMb)}`] : []
  return [`--max-old-space-size=${Math.round(heapMb)}`, ...young]
}

/** The V8 old-generation cap a service starts with, in MB; undefined when V8's default is left. */
export const heapCapMbOf = (name: ServiceName, env: Readonly<Record<string, string | undefined>>): number | undefined => {
  const heapMb = Number(env["WT_SERVICE_HEAP_MB"] ?? program[name].heapMb ?? DefaultHeapMb)
  return Number.isFinite(heapMb) && heapMb > 0 ? heapMb : undefined
}

const DefaultHeapMb = 160
const DefaultSemiSpaceMb = 8


/**
 * The processes whose work can wait: on a busy machine (a telemetry backlog, a reconnect
 * storm) they yield the CPU to the path a care alarm takes (gateway, alarm-lane triage,
 * console and its read models, dispatch, and nats-server, which is not ours to start).
 * Bulk work is not dropped, only done once the alarm path has what it needs.
 */
const BulkServices: ReadonlySet<ServiceName> = new Set(["triage-bulk", "supervision", "audit"])

/** The nice value a service process runs at: `WT_BULK_NICE` (default 12; 0 turns it off) for bulk work, else 0. */
export const nicenessOf = (name: ServiceName, env: Readonly<Record<string, string | undefined>>): number => {
  if (!BulkServices.has(name)) return 0
  const nice = Number(env["WT_BULK_NICE"] ?? DefaultBulkNice)
  return Number.isInteger(nice) && nice >= 0 && nice <= 19 ? nice : DefaultBulkNice
}

// 12, not 5: in a 100,000-device storm on two cores the care alarms' P1 p50 halved (median 47 -> 29 ms)
// and those over 100 ms fell from 98 to 41, while the bulk work finished no later
// (docs/benchmarks/2026-12-07-bulk-nice-12.md, decision 30).
const DefaultBulkNice = 12
