/**
 * The metric names prometheus-nats-exporter makes of a nats-server's monitoring endpoints,
 * started as the NATS Helm chart starts it (`-varz -jsz=all -prefix=nats …`, plus `-healthz`
 * in deploy/compose.yaml). Taken from the exporter's source (github.com/nats-io/prometheus-nats-exporter,
 * collector/collector.go, jsz.go and healthz.go, read at commit 2fdbfd7): /varz is flattened
 * key by key; /jsz and /healthz have fixed names, each read from a field of the server's answer.
 */
export const ExporterPrefix = "nats"

// collector.go objectToMetrics: these flattened names are never exported.
const skipped = new Set([
  "leaf",
  "trusted_operators_claim",
  "cluster_tls_timeout",
  "cluster_cluster_port",
  "cluster_auth_timeout",
  "gateway_port",
  "gateway_auth_timeout",
  "gateway_tls_timeout",
  "gateway_connect_retries"
])
// … and of string fields only these become (label) gauges.
const stringKeys = new Set(["server_id", "server_name", "version", "domain", "leader", "name", "start", "config_load_time"])

const flatName = (path: ReadonlyArray<string>) => path.join("_").replaceAll("/", "_").replace(/_+/gu, "_").replace(/^_|_$/gu, "")

/** `nats_varz_*` names for a /varz answer: numbers (and a few strings) at any depth, arrays left out. */
export const varzMetricNames = (varz: Record<string, unknown>): ReadonlySet<string> => {
  const names = new Set<string>()
  const walk = (object: Record<string, unknown>, path: ReadonlyArray<string>) => {
    for (const [key, value] of Object.entries(object)) {
      const here = [...path, key]
      const name = flatName(here)
      if (skipped.has(name)) continue
      if (typeof value === "number" || (typeof value === "string" && stringKeys.has(key))) names.add(`${ExporterPrefix}_varz_${name}`)
      else if (value !== null && typeof value === "object" && !Array.isArray(value)) walk(value as Record<string, unknown>, here)
    }
  }
  walk(varz, [])
  return names
}

/**
 * `-jsz=all` (jsz.go): each name with the field of `/jsz?consumers=true&config=true` it reports,
 * as a path from the server's answer, its account detail's stream, or that stream's consumer
 * (`disabled` is left out of the answer when false).
 */
export const jszMetrics: ReadonlyArray<{ readonly name: string; readonly level: "server" | "stream" | "consumer"; readonly field: ReadonlyArray<string> | undefined }> = [
  { name: "server_jetstream_disabled", level: "server", field: undefined },
  { name: "server_total_streams", level: "server", field: ["streams"] },
  { name: "server_total_consumers", level: "server", field: ["consumers"] },
  { name: "server_total_messages", level: "server", field: ["messages"] },
  { name: "server_total_message_bytes", level: "server", field: ["bytes"] },
  { name: "server_max_memory", level: "server", field: ["config", "max_memory"] },
  { name: "server_max_storage", level: "server", field: ["config", "max_storage"] },
  { name: "stream_total_messages", level: "stream", field: ["state", "messages"] },
  { name: "stream_total_bytes", level: "stream", field: ["state", "bytes"] },
  { name: "stream_first_seq", level: "stream", field: ["state", "first_seq"] },
  { name: "stream_last_seq", level: "stream", field: ["state", "last_seq"] },
  { name: "stream_consumer_count", level: "stream", field: ["state", "consumer_count"] },
  { name: "consumer_delivered_consumer_seq", level: "consumer", field: ["delivered", "consumer_seq"] },
  { name: "consumer_delivered_stream_seq", level: "consumer", field: ["delivered", "stream_seq"] },
  { name: "consumer_num_ack_pending", level: "consumer", field: ["num_ack_pending"] },
  { name: "consumer_num_redelivered", level: "consumer", field: ["num_redelivered"] },
  { name: "consumer_num_waiting", level: "consumer", field: ["num_waiting"] },
  { name: "consumer_num_pending", level: "consumer", field: ["num_pending"] },
  { name: "consumer_ack_floor_stream_seq", level: "consumer", field: ["ack_floor", "stream_seq"] },
  { name: "consumer_ack_floor_consumer_seq", level: "consumer", field: ["ack_floor", "consumer_seq"] }
]

/** Label names of the jsz metrics (jsz.go), by level. */
export const jszLabels = {
  server: ["server_id", "server_name", "cluster", "domain", "meta_leader", "is_meta_leader"],
  stream: ["account", "account_id", "stream_name", "stream_leader", "is_stream_leader"],
  consumer: ["consumer_name", "consumer_leader", "is_consumer_leader", "consumer_desc", "consumer_created"]
} as const

/** `-healthz` (healthz.go): status 0 when ok; status_value 1 when ok, with the status (or "unreachable") as `value`. */
export const healthzMetricNames: ReadonlyArray<string> = [`${ExporterPrefix}_healthz_status`, `${ExporterPrefix}_healthz_status_value`]

export const fieldAt = (value: unknown, path: ReadonlyArray<string>): unknown =>
  path.reduce<unknown>((at, key) => (at !== null && typeof at === "object" ? (at as Record<string, unknown>)[key] : undefined), value)
