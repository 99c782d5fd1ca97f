import { randomBytes } from "node:crypto"
import { chmodSync, linkSync, mkdirSync, statSync, unlinkSync, writeFileSync } from "node:fs"
import { dirname } from "node:path"

/**
 * Writes `contents` to `file` (mode 0600, in a 0700 directory) unless it exists: written whole
 * to a private temp file, then linked into place. Linking fails when the file exists, so
 * processes starting together agree on one file and none reads a half-written one.
 * True when this call created it.
 */
export const writeSecretFileOnce = (file: string, contents: string): boolean => {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  const temp = `${file}.${process.pid}.${Date.now()}.${randomBytes(4).toString("hex")}.tmp`
  writeFileSync(temp, contents, { mode: 0o600, flag: "wx" })
  try {
    linkSync(temp, file)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
    return false
  } finally {
    unlinkSync(temp)
  }
}

/** A secret file readable by others is narrowed to its owner (0600); false when it does not exist. */
export const keepSecretFilePrivate = (file: string): boolean => {
  try {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false
    throw error
  }
}
