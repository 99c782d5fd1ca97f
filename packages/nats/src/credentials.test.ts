import { nkeys } from "@nats-io/transport-node"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { newUserNkey, nkeyPublicKey, signNonce } from "./credentials.ts"

const utf8 = new TextEncoder()

describe("signNonce (the bulk reader's CONNECT signature)", () => {
  it("signs as the nkeys library does: the same public key, and the same signature bytes, which the public key verifies", () => {
    const users = [newUserNkey(), newUserNkey()]
    fc.assert(
      fc.property(fc.constantFrom(...users), fc.string({ minLength: 1, maxLength: 64 }), (user, nonce) => {
        const signed = signNonce(user.seed, nonce)
        const pair = nkeys.fromSeed(utf8.encode(user.seed))
        expect(signed.nkey).toBe(user.publicKey)
        expect(signed.sig).toBe(Buffer.from(pair.sign(utf8.encode(nonce))).toString("base64url"))
        expect(nkeys.fromPublic(signed.nkey).verify(utf8.encode(nonce), Buffer.from(signed.sig, "base64url"))).toBe(true)
      }),
      { numRuns: 40 }
    )
  })

  it("a signature for one nonce does not verify another, and a seed with surrounding whitespace (a seed file's newline) signs as the bare seed", () => {
    const user = newUserNkey()
    const signed = signNonce(`${user.seed}\n`, "nonce-a")
    expect(signed.nkey).toBe(nkeyPublicKey(user.seed))
    expect(signed.sig).toBe(signNonce(user.seed, "nonce-a").sig)
    expect(nkeys.fromPublic(signed.nkey).verify(utf8.encode("nonce-b"), Buffer.from(signed.sig, "base64url"))).toBe(false)
  })

  it("each seed signs with its own key: two users' signatures of one nonce differ and each verifies only under its own public key", () => {
    const [a, b] = [newUserNkey(), newUserNkey()]
    const sigA = Buffer.from(signNonce(a.seed, "n").sig, "base64url")
    const sigB = Buffer.from(signNonce(b.seed, "n").sig, "base64url")
    expect(sigA.equals(sigB)).toBe(false)
    expect(nkeys.fromPublic(b.publicKey).verify(utf8.encode("n"), sigA)).toBe(false)
    expect(nkeys.fromPublic(a.publicKey).verify(utf8.encode("n"), sigA)).toBe(true)
  })
})
