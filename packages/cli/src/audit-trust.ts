import { keyFingerprint, type KeyRotation, sealKeyFromPem, type SealPublicKey, sealPublicKeyFromPem, type TrustChain, trustChain } from "@wt/audit-chain"
import { retiredKeysDir, retiredPublicKeys, SealedStream, signingKeyFileConfig } from "@wt/audit-log"
import { Config, Effect, Option } from "effect"
import { readFileSync } from "node:fs"
import { resolve } from "node:path"
import { AuditCliError } from "./audit-errors.ts"

/**
 * The keys `wt audit verify` starts from, and where it found them. Never the keys the trail or
 * an export carries: whoever forges an export forges its keys too. Later keys are trusted only
 * through rotation records a trusted key signed (`trustChain`).
 * - `flag`: `--public-key <file>`;
 * - `config`: `WT_AUDIT_TRUSTED_KEYS`, key files and `sha256:<hex>` fingerprints, comma-separated;
 * - `data-dir`: this installation's own signing key and the keys it retired (`<data dir>/audit/`).
 */
export interface TrustRoots {
  readonly keys: ReadonlyArray<SealPublicKey>
  /** Fingerprints pinned in configuration, matched against the keys the trail carries. */
  readonly fingerprints: ReadonlyArray<string>
  readonly from: "flag" | "config" | "data-dir"
  /** The file, variable or directory, for the report. */
  readonly source: string
}

const pemBlocks = (text: string): ReadonlyArray<string> => text.match(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g) ?? []

/** Public keys in a file: PEM (one or more), or the JSON that `GET /audit/public-key` answers. */
export const readKeyFile = (file: string) =>
  Effect.try({
    try: () => {
      const text = readFileSync(file, "utf8")
      if (text.trimStart().startsWith("{")) return [sealPublicKeyFromPem(String((JSON.parse(text) as { publicKeyPem?: unknown }).publicKeyPem))]
      const blocks = pemBlocks(text)
      if (blocks.length === 0) throw new Error("no PEM public key in it")
      return blocks.map(sealPublicKeyFromPem) as ReadonlyArray<SealPublicKey>
    },
    catch: (cause) => new AuditCliError({ message: `${file} is not an Ed25519 public key (PEM, or the JSON of GET /audit/public-key): ${String(cause)}` })
  })

const Fingerprint = /^sha256:([0-9a-f]{64})$/u

/** `WT_AUDIT_TRUSTED_KEYS`: key files and `sha256:<64 hex>` fingerprints, separated by commas or spaces. */
export const trustedKeysConfig = Config.option(Config.String("WT_AUDIT_TRUSTED_KEYS")).pipe(
  Config.map((o) => Option.filter(Option.map(o, (v) => v.split(/[\s,]+/u).filter((s) => s !== "")), (items) => items.length > 0))
)

/** The data directory's own signing key and retired keys, as public keys. */
const dataDirKeys = Effect.gen(function*() {
  const file = yield* signingKeyFileConfig
  const current: Array<SealPublicKey> = []
  try {
    const key = sealKeyFromPem(readFileSync(file, "utf8"))
    current.push({ keyId: key.keyId, publicKey: key.publicKey })
  } catch {
    // Not on this machine, or not readable by this user.
  }
  return { file, keys: [...current, ...retiredPublicKeys(file).filter((k) => !current.some((c) => c.keyId === k.keyId))] }
})

/** Where verification starts: `--public-key`, else `WT_AUDIT_TRUSTED_KEYS`, else the data directory's keys; none is an error. */
export const trustRoots = Effect.fn("cli.audit.trustRoots")(function*(flag: Option.Option<string>) {
  if (Option.isSome(flag)) {
    return { keys: yield* readKeyFile(flag.value), fingerprints: [], from: "flag", source: resolve(flag.value) } satisfies TrustRoots
  }
  const configured = yield* trustedKeysConfig
  if (Option.isSome(configured)) {
    const keys: Array<SealPublicKey> = []
    const fingerprints: Array<string> = []
    for (const item of configured.value) {
      const fingerprint = Fingerprint.exec(item.toLowerCase())
      if (fingerprint !== null) fingerprints.push(fingerprint[1]!)
      else keys.push(...(yield* readKeyFile(item)))
    }
    return { keys, fingerprints, from: "config", source: "WT_AUDIT_TRUSTED_KEYS" } satisfies TrustRoots
  }
  const own = yield* dataDirKeys
  if (own.keys.length > 0) return { keys: own.keys, fingerprints: [], from: "data-dir", source: `${own.file} and ${retiredKeysDir(own.file)}` } satisfies TrustRoots
  return yield* new AuditCliError({
    message: `no trusted key: ${own.file} is not readable here. Give the key seals must be signed with (--public-key <file>), or pin it for this ` +
      `installation (WT_AUDIT_TRUSTED_KEYS=<file> or sha256:<fingerprint>, see \`wt audit public-key --fingerprint\`). The keys inside the trail or an export are never trusted on their own`
  })
})

/** What the verifier trusts, for the report. */
export interface TrustReport {
  readonly from: TrustRoots["from"]
  readonly source: string
  readonly chain: TrustChain
  /** Pinned fingerprints no key of the trail matched. */
  readonly unmatchedFingerprints: ReadonlyArray<string>
}

/**
 * The keys seals may be signed with: the roots, a pinned fingerprint's key (taken from the keys the
 * trail carries, which the fingerprint pins), and whatever trusted keys announced by rotation.
 */
export const resolveTrust = (roots: TrustRoots, carried: ReadonlyArray<SealPublicKey>, rotations: ReadonlyArray<KeyRotation>): TrustReport => {
  const fromFingerprints = roots.fingerprints.flatMap((fp) => carried.filter((k) => keyFingerprint(k) === fp).slice(0, 1))
  const unmatchedFingerprints = roots.fingerprints.filter((fp) => !fromFingerprints.some((k) => keyFingerprint(k) === fp))
  return { from: roots.from, source: roots.source, chain: trustChain([...roots.keys, ...fromFingerprints], rotations, SealedStream), unmatchedFingerprints }
}

const fromText: Record<TrustRoots["from"], string> = {
  flag: "pinned with --public-key",
  config: "pinned in WT_AUDIT_TRUSTED_KEYS",
  "data-dir": "pinned: this installation's signing keys"
}

/** The trusted keys in words: which were pinned and where, which came by rotation from which. */
export const describeTrust = (trust: TrustReport): ReadonlyArray<string> => {
  const pinned = trust.chain.keys.filter((k) => k.announcedBy === undefined).map((k) => k.keyId)
  const announced = trust.chain.keys.filter((k) => k.announcedBy !== undefined)
  return [
    `  trusted keys: ${pinned.length === 0 ? "none" : pinned.join(", ")} (${fromText[trust.from]}, ${trust.source})`,
    ...announced.map((k) => `  key ${k.keyId}: announced by ${k.announcedBy} for seals from sequence ${k.validFromSeq}`),
    ...trust.unmatchedFingerprints.map((fp) => `  warning: pinned fingerprint sha256:${fp} matches no key the trail carries`),
    ...trust.chain.refused.map((r) => `  warning: a key rotation announcing ${r.rotation.keyId} (from ${r.rotation.previousKeyId}) is not trusted: ${r.reason}`)
  ]
}
