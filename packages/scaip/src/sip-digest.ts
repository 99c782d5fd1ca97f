import { createHash, createHmac, timingSafeEqual } from "node:crypto"
import { Result } from "effect"

/**
 * SIP digest authentication (RFC 3261 §22.4 with RFC 2617's MD5 digest), which SIS-TR 91102 §7.5 names
 * for SCAIP units: "Alarm receivers shall only accept and process messages from authenticated
 * alarm senders" (SS 91100 §8). Nonces are stateless: the time they were made and an HMAC of it
 * under the receiver's secret, so any copy of the receiver can check one and none need be stored.
 * Passwords are never held here: the caller looks up HA1 = MD5(username:realm:password).
 */

const md5 = (text: string): string => createHash("md5").update(text, "utf8").digest("hex")

/** HA1 for a unit's credentials, as a registry would store it instead of the password. */
export const digestHa1 = (username: string, realm: string, password: string): string => md5(`${username}:${realm}:${password}`)

const nonceMac = (secret: string, issuedMs: number): string => createHmac("sha256", secret).update(`scaip-nonce:${issuedMs}`).digest("hex").slice(0, 32)

export const makeNonce = (secret: string, nowMs: number): string => `${Math.floor(nowMs).toString(36)}.${nonceMac(secret, Math.floor(nowMs))}`

/** The WWW-Authenticate value of a 401 challenge. */
export const digestChallenge = (realm: string, nonce: string, stale = false): string =>
  `Digest realm="${realm.replace(/["\\]/gu, "")}", nonce="${nonce}", algorithm=MD5, qop="auth"${stale ? ", stale=true" : ""}`

/** Splits `Digest a="b", c=d` into its parameters; undefined when it is no digest credential. */
export const parseDigest = (authorization: string): ReadonlyMap<string, string> | undefined => {
  const m = /^\s*Digest\s+(.*)$/isu.exec(authorization)
  if (m === null) return undefined
  const params = new Map<string, string>()
  const re = /([A-Za-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.){0,512})"|([^\s,"]{1,512}))\s*(?:,|$)/gu
  let at: RegExpExecArray | null
  while ((at = re.exec(m[1]!)) !== null) params.set(at[1]!.toLowerCase(), at[2] ?? at[3] ?? "")
  return params.size === 0 ? undefined : params
}

export type DigestRefusalKind = "no_credentials" | "unknown_user" | "wrong_realm" | "stale_nonce" | "bad_response"

const equalHex = (a: string, b: string): boolean => {
  const x = Buffer.from(a.toLowerCase(), "utf8")
  const y = Buffer.from(b.toLowerCase(), "utf8")
  return x.length === y.length && timingSafeEqual(x, y)
}

/**
 * Checks a request's Authorization header. `stale_nonce` (a nonce older than `maxNonceAgeMs`, or
 * not ours) is answered with a fresh challenge marked stale, so a unit retries without prompting;
 * the others with a plain 401 (or 403).
 */
export const verifyDigest = (options: {
  readonly authorization: string | undefined
  readonly method: string
  readonly realm: string
  readonly secret: string
  readonly nowMs: number
  readonly maxNonceAgeMs: number
  readonly ha1Of: (username: string) => string | undefined
}): Result.Result<{ readonly username: string }, DigestRefusalKind> => {
  const params = options.authorization === undefined ? undefined : parseDigest(options.authorization)
  const username = params?.get("username")
  const nonce = params?.get("nonce")
  const uri = params?.get("uri")
  const response = params?.get("response")
  if (params === undefined || username === undefined || nonce === undefined || uri === undefined || response === undefined) return Result.fail("no_credentials")
  if (params.get("realm") !== options.realm) return Result.fail("wrong_realm")
  const algorithm = (params.get("algorithm") ?? "MD5").toUpperCase()
  if (algorithm !== "MD5") return Result.fail("bad_response")

  const [issued36, mac] = nonce.split(".")
  const issuedMs = issued36 === undefined ? Number.NaN : Number.parseInt(issued36, 36)
  if (!Number.isSafeInteger(issuedMs) || mac === undefined || !equalHex(mac, nonceMac(options.secret, issuedMs))) return Result.fail("stale_nonce")
  if (options.nowMs - issuedMs > options.maxNonceAgeMs || issuedMs - options.nowMs > 60_000) return Result.fail("stale_nonce")

  const ha1 = options.ha1Of(username)
  if (ha1 === undefined) return Result.fail("unknown_user")
  const ha2 = md5(`${options.method}:${uri}`)
  const qop = params.get("qop")
  const expected =
    qop === undefined ? md5(`${ha1}:${nonce}:${ha2}`) : md5(`${ha1}:${nonce}:${params.get("nc") ?? ""}:${params.get("cnonce") ?? ""}:${qop}:${ha2}`)
  return equalHex(expected, response) ? Result.succeed({ username }) : Result.fail("bad_response")
}
