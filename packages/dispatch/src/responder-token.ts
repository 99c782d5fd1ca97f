import { createHash, randomBytes } from "node:crypto"

/** Random bytes in a responder device token: 192 bits, so guessing one is out of the question. */
export const ResponderTokenBytes = 24

/** Only this is stored; the token itself is shown once to whoever provisions the device. */
export const hashResponderToken = (token: string): string => createHash("sha256").update(token, "utf8").digest("hex")

/**
 * A new device token: random, and derived from nothing (no key, no device name), so knowing
 * any other secret of the installation does not give it away.
 */
export const newResponderToken = (): string => `rsp_${randomBytes(ResponderTokenBytes).toString("base64url")}`

/** A device's public handle, for listing and revoking it; it opens nothing. */
export const newResponderDeviceId = (): string => `rdev_${randomBytes(8).toString("hex")}`
