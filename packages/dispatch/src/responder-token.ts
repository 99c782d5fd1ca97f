import { createHash, randomBytes } from "node:crypto"

/** Only this is stored; the token itself is shown once to whoever provisions the device. */
export const hashResponderToken = (token: string): string => createHash("sha256").update(token, "utf8").digest("hex")

export const newResponderToken = (): string => `rsp_${randomBytes(24).toString("base64url")}`
