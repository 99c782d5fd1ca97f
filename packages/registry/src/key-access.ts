import { Effect, Option, Result, Schema } from "effect"
import {
  InstallationKeyConfig,
  type InstallationKeySource,
  isSealedKeySafe,
  loadInstallationKey,
  openKeySafeCode,
  sealKeySafeCode
} from "@wt/db"
import type { KeyAccess } from "@wt/contracts"

/*
 * A record shows how a resident's home is entered (`KeyAccessView` in @wt/contracts): for a key
 * safe, that there is one, never its code. The code is sealed at rest (see @wt/db's
 * key-safe-code.ts) and opened only where it is handed over: to the responder holding a live
 * call-out, and on an operator's explicit, audited reveal.
 */

/** What an administrator writes: a key safe's code may be left out to keep the one stored. */
export type KeyAccessInput =
  | { readonly kind: "key_safe"; readonly code?: string | undefined }
  | { readonly kind: "e_lock"; readonly lockId: string }
  | { readonly kind: "none" }

/** The code cannot be sealed or opened: no installation key, another installation's key, or a value altered or moved. */
export class KeySafeCodeUnavailable extends Schema.TaggedError<KeySafeCodeUnavailable>()("KeySafeCodeUnavailable", {
  message: Schema.String
}) {}

/** A key safe written without a code where none is stored to keep. */
export class KeySafeCodeMissing extends Schema.TaggedError<KeySafeCodeMissing>()("KeySafeCodeMissing", {
  residentId: Schema.String
}) {}

const parsed = (stored: unknown): unknown => (typeof stored === "string" ? JSON.parse(stored) : stored)

/**
 * Seals and opens key-safe codes under the installation key named by the configuration read
 * when it was made (so every call through one registry uses one key, whichever fiber calls).
 * The key itself is read, or generated, on first use.
 */
export const makeKeyAccessSeal = (source: InstallationKeySource) => {
  const key = loadInstallationKey(source).pipe(
    Effect.mapError((e) => new KeySafeCodeUnavailable({ message: e.message }))
  )

  /** The `key_access` value to store: a key safe's code sealed to this tenant and resident. */
  const seal = Effect.fn("Registry.sealKeyAccess")(function*(tenant: string, residentId: string, access: KeyAccess) {
    if (access.kind !== "key_safe") return access
    return sealKeySafeCode(yield* key, tenant, residentId, access.code)
  })

  /** The key safe's code from a stored `key_access` value; none when it is not a key safe. */
  const open = Effect.fn("Registry.openKeySafeCode")(function*(tenant: string, residentId: string, stored: unknown) {
    const value = parsed(stored) as { kind?: unknown; code?: unknown } | null
    if (value?.kind !== "key_safe") return Option.none<string>()
    if (!isSealedKeySafe(value)) {
      return yield* new KeySafeCodeUnavailable({ message: `the key-safe code of resident ${residentId} is not sealed (migration 0013 seals every stored code)` })
    }
    const opened = openKeySafeCode(yield* key, tenant, residentId, value)
    if (Result.isFailure(opened)) return yield* new KeySafeCodeUnavailable({ message: `resident ${residentId}: ${opened.failure.message}` })
    return Option.some(opened.success)
  })

  return { seal, open }
}
export type KeyAccessSeal = ReturnType<typeof makeKeyAccessSeal>

/** The seal for the installation key the configuration names (`WT_INSTALLATION_KEY`, else the data directory's key file). */
export const keyAccessSealFromConfig = Effect.gen(function*() {
  return makeKeyAccessSeal(yield* InstallationKeyConfig)
})
