import { createPrivateKey, type KeyObject, sign } from "node:crypto"
import { readFileSync } from "node:fs"
import {
  type Authenticator,
  credsAuthenticator,
  nkeyAuthenticator,
  nkeys,
  usernamePasswordAuthenticator
} from "@nats-io/transport-node"
import { Config, Option, Redacted } from "effect"

/**
 * How a client proves who it is to NATS. `NkeyFile` is what installations we generate use
 * (a seed file of mode 0600 per user); the others are for an operator's own NATS.
 */
export type NatsAuth =
  | { readonly _tag: "None" }
  | { readonly _tag: "NkeyFile"; readonly file: string }
  | { readonly _tag: "NkeySeed"; readonly seed: Redacted.Redacted<string> }
  | { readonly _tag: "UserPassword"; readonly user: string; readonly password: Redacted.Redacted<string> }
  /** A NATS JWT credentials file (operator mode, e.g. from `nsc`). */
  | { readonly _tag: "CredsFile"; readonly file: string }

export const NoAuth: NatsAuth = { _tag: "None" }

/** The CA that signed the servers' certificates and, for mutual TLS, the client's own certificate. */
export interface NatsTls {
  readonly caFile: string
  readonly certFile?: string
  readonly keyFile?: string
}

const text = (path: string) => readFileSync(path, "utf8")

/** The seed of an nkey auth, read now (a file is read at each call, so a rotated seed is picked up at reconnect). */
export const nkeySeedOf = (auth: NatsAuth): string | undefined =>
  auth._tag === "NkeyFile" ? text(auth.file).trim() : auth._tag === "NkeySeed" ? Redacted.value(auth.seed).trim() : undefined

/** What nats.js needs to authenticate; undefined for none. Files are read when the client connects. */
export const authenticatorOf = (auth: NatsAuth): Authenticator | undefined => {
  switch (auth._tag) {
    case "None":
      return undefined
    case "NkeyFile":
      return nkeyAuthenticator(() => new TextEncoder().encode(text(auth.file).trim()))
    case "NkeySeed":
      return nkeyAuthenticator(new TextEncoder().encode(Redacted.value(auth.seed).trim()))
    case "UserPassword":
      return usernamePasswordAuthenticator(auth.user, () => Redacted.value(auth.password))
    case "CredsFile":
      return credsAuthenticator(() => new TextEncoder().encode(text(auth.file)))
  }
}

/** The public key of an nkey seed (`U…` for a user's seed `SU…`). */
export const nkeyPublicKey = (seed: string): string => nkeys.fromSeed(new TextEncoder().encode(seed.trim())).getPublicKey()

/** A new user nkey: its seed (secret) and public key (what the server's configuration names). */
export const newUserNkey = (): { readonly seed: string; readonly publicKey: string } => {
  const pair = nkeys.createUser()
  return { seed: new TextDecoder().decode(pair.getSeed()), publicKey: pair.getPublicKey() }
}

/** A raw Ed25519 seed wrapped as PKCS #8 (RFC 8410), the form Node's own signer takes. */
const Ed25519Pkcs8Prefix = Buffer.from("302e020100300506032b657004220420", "hex")

interface NonceSigner {
  readonly nkey: string
  readonly key: KeyObject
}

const Base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

/**
 * The 32 raw bytes of an nkey seed: base32 of two prefix bytes, the raw seed and a CRC-16
 * (the nkeys library decodes it so, but keeps that off its typed face). Called only on a seed
 * `nkeys.fromSeed` has accepted, which checked its prefix and CRC.
 */
const rawSeedOf = (seed: string): Buffer => {
  const bytes: Array<number> = []
  let bits = 0
  let value = 0
  for (const char of seed) {
    value = (value << 5) | Base32.indexOf(char)
    bits += 5
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff)
      bits -= 8
    }
  }
  return Buffer.from(bytes.slice(2, 34))
}

// By seed: a rotated seed file gives a new seed and so a signer of its own.
const nonceSigners = new Map<string, NonceSigner>()

const nonceSignerOf = (seed: string): NonceSigner => {
  let signer = nonceSigners.get(seed)
  if (signer === undefined) {
    const pair = nkeys.fromSeed(new TextEncoder().encode(seed))
    signer = {
      nkey: pair.getPublicKey(),
      key: createPrivateKey({ key: Buffer.concat([Ed25519Pkcs8Prefix, rawSeedOf(seed)]), format: "der", type: "pkcs8" })
    }
    nonceSigners.set(seed, signer)
  }
  return signer
}

/**
 * Signs a server's nonce with an nkey seed, as the CONNECT of a client that speaks the protocol
 * itself sends it. The bulk reader connects for every read, four times a second while the audit
 * trail grows. The nkeys library derives the key pair again for each signature and for the
 * public key, and signs in JavaScript: 8 % of the audit service's CPU in a profile of
 * `pnpm bench --quick`. Node's native Ed25519 signs with the key derived once; Ed25519 is
 * deterministic, so the signature is the same bytes.
 */
export const signNonce = (seed: string, nonce: string): { readonly nkey: string; readonly sig: string } => {
  const signer = nonceSignerOf(seed.trim())
  return { nkey: signer.nkey, sig: sign(null, Buffer.from(nonce, "utf8"), signer.key).toString("base64url") }
}

const optional = (name: string) =>
  Config.option(Config.String(name)).pipe(Config.map(Option.filter((value) => value.trim() !== "")))

/**
 * The credentials in the environment, first set wins: `NATS_CREDS` (JWT credentials file),
 * `NATS_NKEY_FILE` (a file holding an nkey seed), `NATS_NKEY_SEED`, `NATS_USER` with
 * `NATS_PASSWORD`; none of them: no authentication.
 */
export const natsAuthFromEnv: Config.Config<NatsAuth> = Config.all({
  creds: optional("NATS_CREDS"),
  nkeyFile: optional("NATS_NKEY_FILE"),
  nkeySeed: Config.option(Config.Redacted("NATS_NKEY_SEED")),
  user: optional("NATS_USER"),
  password: Config.option(Config.Redacted("NATS_PASSWORD"))
}).pipe(Config.map(({ creds, nkeyFile, nkeySeed, user, password }): NatsAuth => {
  if (Option.isSome(creds)) return { _tag: "CredsFile", file: creds.value }
  if (Option.isSome(nkeyFile)) return { _tag: "NkeyFile", file: nkeyFile.value }
  if (Option.isSome(nkeySeed) && Redacted.value(nkeySeed.value).trim() !== "") return { _tag: "NkeySeed", seed: nkeySeed.value }
  if (Option.isSome(user)) {
    return { _tag: "UserPassword", user: user.value, password: Option.getOrElse(password, () => Redacted.make("")) }
  }
  return NoAuth
}))

/** `NATS_CA` (or `NATS_TLS_CA`), with `NATS_TLS_CERT` and `NATS_TLS_KEY` for a client certificate; none: TLS only if the server asks. */
export const natsTlsFromEnv: Config.Config<NatsTls | undefined> = Config.all({
  ca: optional("NATS_CA"),
  caAlias: optional("NATS_TLS_CA"),
  cert: optional("NATS_TLS_CERT"),
  key: optional("NATS_TLS_KEY")
}).pipe(Config.map(({ ca, caAlias, cert, key }) => {
  const caFile = Option.getOrUndefined(Option.orElse(ca, () => caAlias))
  if (caFile === undefined) return undefined
  return {
    caFile,
    ...(Option.isSome(cert) ? { certFile: cert.value } : {}),
    ...(Option.isSome(key) ? { keyFile: key.value } : {})
  }
}))

/**
 * The environment that gives a child process these credentials (the names {@link natsAuthFromEnv}
 * and {@link natsTlsFromEnv} read), every other credential variable blanked so an inherited one
 * cannot take precedence.
 */
export const natsAuthEnv = (auth: NatsAuth, tls: NatsTls | undefined, inboxPrefix: string | undefined): Record<string, string> => {
  const env: Record<string, string> = {
    NATS_CREDS: "",
    NATS_NKEY_FILE: "",
    NATS_NKEY_SEED: "",
    NATS_USER: "",
    NATS_PASSWORD: "",
    NATS_CA: "",
    NATS_TLS_CA: "",
    NATS_TLS_CERT: "",
    NATS_TLS_KEY: "",
    NATS_INBOX_PREFIX: inboxPrefix ?? ""
  }
  switch (auth._tag) {
    case "NkeyFile":
      env["NATS_NKEY_FILE"] = auth.file
      break
    case "NkeySeed":
      env["NATS_NKEY_SEED"] = Redacted.value(auth.seed)
      break
    case "UserPassword":
      env["NATS_USER"] = auth.user
      env["NATS_PASSWORD"] = Redacted.value(auth.password)
      break
    case "CredsFile":
      env["NATS_CREDS"] = auth.file
      break
    case "None":
      break
  }
  if (tls !== undefined) {
    env["NATS_CA"] = tls.caFile
    if (tls.certFile !== undefined) env["NATS_TLS_CERT"] = tls.certFile
    if (tls.keyFile !== undefined) env["NATS_TLS_KEY"] = tls.keyFile
  }
  return env
}
