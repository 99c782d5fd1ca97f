import { useEffect, useState } from "preact/hooks"
import { ApiError } from "./api.ts"

// What the registry pages share: loading, saving status, error text.

export const errorText = (e: unknown) => (e instanceof ApiError || e instanceof Error ? e.message : String(e))

/** Loads once per change of `deps`; `reload` after a save. */
export const useLoad = <A,>(load: () => Promise<A>, deps: ReadonlyArray<unknown>) => {
  const [value, setValue] = useState<A | undefined>()
  const [error, setError] = useState<string | undefined>()
  const reload = () => load().then((v) => { setValue(v); setError(undefined) }, (e: unknown) => setError(errorText(e)))
  useEffect(() => { void reload() }, deps)
  return { value, error, reload }
}

export const Status = ({ saved, error }: { readonly saved: string | undefined; readonly error: string | undefined }) =>
  error !== undefined
    ? <p class="error" role="alert" data-testid="admin-error">{error}</p>
    : saved !== undefined
    ? <p class="saved" role="status" data-testid="admin-saved">{saved}</p>
    : null

export const withoutKey = <A extends object, K extends keyof A>(a: A, key: K): Omit<A, K> => {
  const { [key]: _, ...rest } = a
  return rest
}
