import { Result } from "effect"
import type { InstallationKey } from "./installation-key.ts"
import { isSealedText, openText, sealText, type SealedTextError } from "./sealed-text.ts"

// Here rather than in @wt/registry because a migration (0013) seals the codes already stored,
// and migrations cannot depend on the registry, which depends on them.

/** What `residents.key_access` holds for a key safe: the code sealed to its tenant and resident, never the code. */
export interface SealedKeySafe {
  readonly kind: "key_safe"
  readonly sealedCode: string
}

const Purpose = "key-access/key-safe-code"

export const sealKeySafeCode = (key: InstallationKey, tenant: string, residentId: string, code: string): SealedKeySafe => ({
  kind: "key_safe",
  sealedCode: sealText(key, Purpose, [tenant, residentId], code)
})

export const isSealedKeySafe = (value: unknown): value is SealedKeySafe =>
  typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "key_safe" &&
  isSealedText((value as { sealedCode?: unknown }).sealedCode)

/** The code of a key safe sealed for this tenant and resident; fails when it was sealed for another, or altered. */
export const openKeySafeCode = (
  key: InstallationKey,
  tenant: string,
  residentId: string,
  sealed: SealedKeySafe
): Result.Result<string, SealedTextError> => openText(key, Purpose, [tenant, residentId], sealed.sealedCode)
