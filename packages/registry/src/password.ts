import { randomBytes, scrypt, type ScryptOptions, timingSafeEqual } from "node:crypto"

// OWASP's minimum for scrypt; a login costs ~50 ms, a seed of four users well under a second.
const params = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const
const keyLength = 32

const derive = (password: string, salt: Buffer, options: ScryptOptions, length: number): Promise<Buffer> =>
  new Promise((resolve, reject) =>
    scrypt(password.normalize("NFKC"), salt, length, options, (error, key) => (error ? reject(error) : resolve(key)))
  )

/** `scrypt$N$r$p$salt$hash` (base64url), so the cost can be raised later without breaking old hashes. */
export const hashPassword = async (password: string): Promise<string> => {
  const salt = randomBytes(16)
  const key = await derive(password, salt, params, keyLength)
  return ["scrypt", params.N, params.r, params.p, salt.toString("base64url"), key.toString("base64url")].join("$")
}

export const verifyPasswordHash = async (password: string, stored: string): Promise<boolean> => {
  const [scheme, n, r, p, salt, hash] = stored.split("$")
  if (scheme !== "scrypt" || salt === undefined || hash === undefined) return false
  const expected = Buffer.from(hash, "base64url")
  const N = Number(n), R = Number(r), P = Number(p)
  if (![N, R, P].every(Number.isSafeInteger) || expected.length === 0) return false
  const key = await derive(password, Buffer.from(salt, "base64url"), { N, r: R, p: P, maxmem: 128 * N * R * 2 }, expected.length)
  return timingSafeEqual(key, expected)
}
