import { createHash } from "node:crypto"
import { Config, Effect, Option, Redacted, Result, Schema } from "effect"
import { digestChallenge, digestHa1, type DigestRefusalKind, makeNonce, type SipMessage, sipHeader, verifyDigest } from "@wt/scaip"

/**
 * Who may send SCAIP over SIP. SS 91100:2014 §8: "Alarm receivers shall only accept and process
 * messages from authenticated, and thus authorised, alarm senders", by HTTP authentication (RFC 2617)
 * but never Basic, and "either user specific ... or group specific, where all alarm senders log in on
 * a common account"; SIS-TR 91102:2016 §7.5: "ARC uses HTTP MD5 Digest authentication as specified for
 * SIP usage in RFC 3261", and "a group may share authentication credentials". So: SIP digest against
 * group accounts from configuration, each one serving one tenant's units or all of them. Per-unit
 * passwords would be a registry attribute; group accounts are what the standard also allows and need
 * none.
 */
const SipAccount = Schema.Struct({
  username: Schema.String.check(Schema.isPattern(/^[A-Za-z0-9_.!~*'()&=+$,;?/-]{1,64}$/u)),
  password: Schema.String.check(Schema.isMinLength(12)),
  /** The tenant whose units the account sends for; absent: any tenant's. */
  tenant: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1)))
})
const SipAccounts = Schema.Array(SipAccount).check(Schema.isMinLength(1))
const decodeAccounts = Schema.decodeUnknownResult(Schema.fromJsonString(SipAccounts))

export class SipAccountsInvalid extends Schema.TaggedError<SipAccountsInvalid>()("SipAccountsInvalid", {
  message: Schema.String
}) {}

/** A unit's SIP account as the receiver checks it: HA1 only, the password is not kept. */
interface Account {
  readonly ha1: string
  readonly tenant?: string
}

export interface SipAuthenticator {
  readonly realm: string
  /** False when no accounts are configured: every sender is taken (and a warning said so at start). */
  readonly required: boolean
  /**
   * Checks a request's credentials. `challenge`: answer 401 with this WWW-Authenticate (no or stale
   * credentials, the normal first round of digest); `refused`: answer 403 and keep the request.
   */
  readonly check: (request: SipMessage, nowMs: number) =>
    | { readonly _tag: "Authenticated"; readonly account?: string; readonly tenant?: string }
    | { readonly _tag: "Challenge"; readonly header: string; readonly reason: DigestRefusalKind }
    | { readonly _tag: "Refused"; readonly reason: DigestRefusalKind }
}

/** A nonce is good for five minutes: long enough for a unit to answer the challenge, short against replays. */
const NonceLifetimeMs = 5 * 60_000

export const makeSipAuthenticator = (realm: string, accounts: ReadonlyArray<typeof SipAccount.Type>): SipAuthenticator => {
  const byUser = new Map<string, Account>(
    accounts.map((a) => [a.username, { ha1: digestHa1(a.username, realm, a.password), ...(a.tenant === undefined ? {} : { tenant: a.tenant }) }])
  )
  // Nonces are stateless (a time and its MAC): keyed by the accounts themselves, so every copy of the
  // receiver configured alike checks any copy's nonces, and no further secret is needed.
  const nonceSecret = createHash("sha256").update("wt.scaip-sip-nonce/v1\0").update([...byUser.entries()].map(([u, a]) => `${u}:${a.ha1}`).sort().join("\n")).digest("hex")
  return {
    realm,
    required: byUser.size > 0,
    check: (request, nowMs) => {
      if (byUser.size === 0) return { _tag: "Authenticated" }
      const result = verifyDigest({
        authorization: sipHeader(request, "Authorization"),
        method: request.method ?? "",
        realm,
        secret: nonceSecret,
        nowMs,
        maxNonceAgeMs: NonceLifetimeMs,
        ha1Of: (username) => byUser.get(username)?.ha1
      })
      if (Result.isSuccess(result)) {
        const tenant = byUser.get(result.success.username)?.tenant
        return { _tag: "Authenticated", account: result.success.username, ...(tenant === undefined ? {} : { tenant }) }
      }
      const reason = result.failure
      if (reason === "no_credentials" || reason === "stale_nonce") {
        return { _tag: "Challenge", reason, header: digestChallenge(realm, makeNonce(nonceSecret, nowMs), reason === "stale_nonce") }
      }
      return { _tag: "Refused", reason }
    }
  }
}

/**
 * `WT_SCAIP_SIP_ACCOUNTS`: a JSON array of `{"username", "password", "tenant"?}` (a secret: set it from
 * the deployment's secret store); `WT_SCAIP_SIP_REALM` (default `wt-scaip`), the realm units are set up
 * with. A value that is not such a list stops the start with the reason, never running open by mistake.
 */
export const sipAuthenticatorFromConfig = Effect.gen(function*() {
  const realm = yield* Config.String("WT_SCAIP_SIP_REALM").pipe(Config.withDefault("wt-scaip"))
  const raw = yield* Config.option(Config.Redacted("WT_SCAIP_SIP_ACCOUNTS"))
  if (Option.isNone(raw) || Redacted.value(raw.value).trim() === "") {
    yield* Effect.logWarning("no WT_SCAIP_SIP_ACCOUNTS: SCAIP over SIP takes units without authentication (SS 91100 §8 asks for it; set accounts)")
    return makeSipAuthenticator(realm, [])
  }
  const decoded = decodeAccounts(Redacted.value(raw.value))
  if (Result.isFailure(decoded)) {
    // The reason names the field (a path such as [0]["password"]), never a value: quoted text outside brackets is cut.
    return yield* new SipAccountsInvalid({ message: `WT_SCAIP_SIP_ACCOUNTS is not a list of {username, password (12+ characters), tenant?}: ${String(decoded.failure.message ?? decoded.failure).replace(/(?<!\[)"[^"]*"(?!\])/gu, "…").slice(0, 300)}` })
  }
  return makeSipAuthenticator(realm, decoded.success)
})
