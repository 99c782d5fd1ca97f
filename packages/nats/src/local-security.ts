import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { type NatsAuth, natsAuthEnv, type NatsTls, newUserNkey, nkeyPublicKey } from "./credentials.ts"
import { ensureLocalTls, type LocalTlsFiles, loopbackHosts, type TlsNode } from "./local-tls.ts"
import { authorizationConf } from "./server-config.ts"
import { inboxPrefixOf, type NatsUser, NatsUsers, permissionsOf, type UserPermissions } from "./users.ts"

/** How one user connects: its credentials, the CA to trust (when TLS is on) and its inbox prefix. */
export interface NatsClientAccess {
  readonly auth: NatsAuth
  readonly tls: NatsTls | undefined
  readonly inboxPrefix: string | undefined
}

/** The `NATS_*` variables that make a child process connect as this access says (see `natsAuthEnv`). */
export const natsClientEnv = (access: NatsClientAccess): Record<string, string> => natsAuthEnv(access.auth, access.tls, access.inboxPrefix)

/** A user with every right, for tests that drive NATS from all sides at once; never in an installation. */
export const TestUser = "test"
export type LocalUser = NatsUser | typeof TestUser

const testPermissions: UserPermissions = {
  publish: { allow: [">"], deny: [] },
  subscribe: { allow: [">"], deny: [] }
}

/** The secrets of a local installation's NATS (one node or a cluster on this machine). */
export interface LocalNatsSecurity {
  readonly dir: string
  /** The `authorization {}` file the servers include. */
  readonly authorizationFile: string
  /** Each user's seed file (mode 0600). */
  readonly seedFiles: Readonly<Partial<Record<LocalUser, string>>>
  /** The CA and the nodes' certificates, when TLS is on. */
  readonly tls: LocalTlsFiles | undefined
  readonly access: (user: LocalUser) => NatsClientAccess
}

export interface LocalNatsSecurityOptions {
  /** Where the secrets live: `users/<user>.nk`, `tls/`, `authorization.conf`. */
  readonly dir: string
  /** Make a CA and node certificates (kept once made). */
  readonly tls: boolean
  /** The nodes that get certificates; default one node, `local`, on loopback. */
  readonly nodes?: ReadonlyArray<TlsNode>
  /** Add the all-rights {@link TestUser} (test servers only). */
  readonly testUser?: boolean
}

const writePrivate = (path: string, content: string) => {
  const scratch = `${path}.${process.pid}.tmp`
  writeFileSync(scratch, content, { mode: 0o600 })
  renameSync(scratch, path)
}

/** The single local node's name in certificates. */
export const LocalNode = "local"

/**
 * Makes what is missing and returns the lot: an nkey per user, generated on first use and kept
 * (mode 0600, in a directory of mode 0700); the authorization file, written again each time from
 * the permissions in users.ts; with `tls`, a local CA and a certificate per node.
 */
export const ensureLocalNatsSecurity = (options: LocalNatsSecurityOptions): LocalNatsSecurity => {
  const usersDir = join(options.dir, "users")
  mkdirSync(usersDir, { recursive: true, mode: 0o700 })
  chmodSync(options.dir, 0o700)
  chmodSync(usersDir, 0o700)
  const users: ReadonlyArray<LocalUser> = options.testUser === true ? [...NatsUsers, TestUser] : NatsUsers
  const seedFiles: Partial<Record<LocalUser, string>> = {}
  const entries = users.map((user) => {
    const file = join(usersDir, `${user}.nk`)
    if (!existsSync(file)) writePrivate(file, `${newUserNkey().seed}\n`)
    seedFiles[user] = file
    const permissions = user === TestUser ? testPermissions : permissionsOf[user]
    return { user, nkey: nkeyPublicKey(readFileSync(file, "utf8")), permissions }
  })
  const authorizationFile = join(options.dir, "authorization.conf")
  writePrivate(authorizationFile, authorizationConf(entries))
  const tls = options.tls
    ? ensureLocalTls(join(options.dir, "tls"), options.nodes ?? [{ name: LocalNode, hosts: loopbackHosts }])
    : undefined
  return {
    dir: options.dir,
    authorizationFile,
    seedFiles,
    tls,
    access: (user) => {
      const file = seedFiles[user]
      if (file === undefined) throw new Error(`no NATS user ${user} in ${options.dir}`)
      return {
        auth: { _tag: "NkeyFile", file },
        tls: tls === undefined ? undefined : { caFile: tls.caFile },
        inboxPrefix: user === TestUser ? undefined : inboxPrefixOf(user)
      }
    }
  }
}
