import { type LocalUser, type NatsClientAccess, natsAuthEnv, type NatsUser } from "@wt/nats"
import type { ServiceName } from "./services.ts"

/**
 * The NATS user each service process connects as. Triage's alarm and bulk lanes need the same
 * subjects and share `triage`; supervision alone keeps the supervision buckets.
 */
export const natsUserOf: Readonly<Record<ServiceName, NatsUser>> = {
  gateway: "gateway",
  receivers: "receivers",
  triage: "triage",
  "triage-bulk": "triage",
  supervision: "supervision",
  projector: "projector",
  audit: "audit",
  console: "console",
  dispatch: "dispatch"
}

/** The variables that say who a client is; each may be given per user with the user's name appended (`NATS_NKEY_FILE_GATEWAY`). */
const CredentialVariables = ["NATS_CREDS", "NATS_NKEY_FILE", "NATS_NKEY_SEED", "NATS_USER", "NATS_PASSWORD", "NATS_INBOX_PREFIX"] as const

/**
 * For a NATS the operator runs (`NATS_URL`): the user's own credentials when any
 * `NATS_<variable>_<USER>` is set (e.g. `NATS_USER_GATEWAY` and `NATS_PASSWORD_GATEWAY`), the
 * shared ones blanked so they cannot mix in; none set, nothing (the process inherits `NATS_USER` …).
 */
export const operatorUserEnv = (user: NatsUser, env: Readonly<Record<string, string | undefined>>): Record<string, string> => {
  const suffix = `_${user.toUpperCase()}`
  const own = CredentialVariables.flatMap((name) => {
    const value = env[`${name}${suffix}`]
    return value === undefined || value.trim() === "" ? [] : [[name, value] as const]
  })
  if (own.length === 0) return {}
  return { ...Object.fromEntries(CredentialVariables.map((name) => [name, ""])), ...Object.fromEntries(own) }
}

/**
 * The NATS credentials a user's process is started with: those of the installation's own users
 * (`access`, for the NATS `pnpm start` and the tests run) as `NATS_NKEY_FILE`, `NATS_CA` and
 * `NATS_INBOX_PREFIX`, or, for an operator's NATS, what {@link operatorUserEnv} finds.
 */
export const natsUserEnv = (
  user: NatsUser,
  access: ((user: LocalUser) => NatsClientAccess) | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env
): Record<string, string> => {
  if (access === undefined) return operatorUserEnv(user, env)
  const own = access(user)
  return natsAuthEnv(own.auth, own.tls, own.inboxPrefix)
}
