import { fileURLToPath } from "node:url"

/** The services of one installation, with their entry points and default ports. */
export const ServiceNames = ["gateway", "triage", "projector", "audit", "console"] as const
export type ServiceName = (typeof ServiceNames)[number]

const root = fileURLToPath(new URL("../../../", import.meta.url))

export const entryOf = (name: ServiceName): string => `${root}services/${name}/src/main.ts`

/** Port each service serves /healthz, /readyz and /metrics on (gateway and console also serve their APIs there). */
export const defaultPorts: Record<ServiceName, number> = {
  gateway: 8081,
  console: 8080,
  triage: 8091,
  projector: 8092,
  audit: 8093
}

/** The environment variable that sets each service's port. */
export const portVariable: Record<ServiceName, string> = {
  gateway: "WT_INGEST_PORT",
  console: "WT_HTTP_PORT",
  triage: "WT_TRIAGE_PORT",
  projector: "WT_PROJECTOR_PORT",
  audit: "WT_AUDIT_PORT"
}
