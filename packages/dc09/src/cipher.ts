import { createCipheriv, createDecipheriv, randomBytes as nodeRandomBytes } from "node:crypto"

/**
 * DC-09 encryption (ANSI/SIA DC-09-2013 5.4): AES in CBC mode with an all-zero IV, key of
 * 128, 192 or 256 bits per account, no PKCS padding. The region after `[` (pad, `|`, data,
 * `]`, extended data, timestamp) is encrypted and sent as hex.
 */
const ZeroIv = new Uint8Array(16)

const algorithmFor = (key: Uint8Array): string | undefined =>
  key.length === 16 ? "aes-128-cbc" : key.length === 24 ? "aes-192-cbc" : key.length === 32 ? "aes-256-cbc" : undefined

export const isValidKey = (key: Uint8Array): boolean => algorithmFor(key) !== undefined

/** Decrypt whole blocks; undefined when the key has a wrong size or the input is not whole blocks. */
export const decryptBlocks = (key: Uint8Array, cipherText: Uint8Array): Uint8Array | undefined => {
  const algorithm = algorithmFor(key)
  if (algorithm === undefined || cipherText.length === 0 || cipherText.length % 16 !== 0) return undefined
  const decipher = createDecipheriv(algorithm, key, ZeroIv).setAutoPadding(false)
  return new Uint8Array(Buffer.concat([decipher.update(cipherText), decipher.final()]))
}

/** Encrypt whole blocks (the caller has padded to a multiple of 16). */
export const encryptBlocks = (key: Uint8Array, plain: Uint8Array): Uint8Array => {
  const algorithm = algorithmFor(key)
  if (algorithm === undefined) throw new RangeError("DC-09 keys are 16, 24 or 32 bytes")
  const cipher = createCipheriv(algorithm, key, ZeroIv).setAutoPadding(false)
  return new Uint8Array(Buffer.concat([cipher.update(plain), cipher.final()]))
}

/** A source of random bytes, injectable so tests can fix the pad. */
export type RandomBytes = (n: number) => Uint8Array
export const cryptoRandomBytes: RandomBytes = (n) => new Uint8Array(nodeRandomBytes(n))

// The standard allows any byte but `|`, `[` and `]`. Letters and digits only, because some
// transmitters decode the whole decrypted reply as text and fail on binary pad bytes.
const PadAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

/**
 * The pad for `rest` (everything from the pad's closing `|` through the timestamp): enough
 * characters to make the encrypted region a multiple of 16, and a whole 16 when it already is.
 */
export const padFor = (restLength: number, random: RandomBytes): string => {
  const n = 16 - (restLength % 16)
  const bytes = random(n)
  let pad = ""
  for (let i = 0; i < n; i++) pad += PadAlphabet[(bytes[i] ?? 0) % PadAlphabet.length]
  return pad
}

const HexPattern = /^(?:[0-9A-Fa-f]{2})+$/u

/** Bytes of a hex string, or undefined when it is not hex of whole bytes. */
export const fromHex = (text: string): Uint8Array | undefined =>
  HexPattern.test(text) ? new Uint8Array(Buffer.from(text, "hex")) : undefined

export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex").toUpperCase()
