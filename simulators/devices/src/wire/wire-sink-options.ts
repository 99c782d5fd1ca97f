import { DemoWebhookVendors } from "@wt/registry/demo"
import { secretVariable } from "./webhook-sink.ts"

const VendorSecret = /^([a-z0-9-]{1,32})=(.+)$/su

/**
 * Each demo vendor's webhook secret, by precedence: `--webhook-secret vendor=secret` (or a bare
 * `--webhook-secret secret` for every vendor), then `WT_WEBHOOK_SECRET_<VENDOR>`, then the data
 * directory's demo-secrets.json. A vendor with none is left out (its events are skipped).
 */
export const resolveWebhookSecrets = (
  flags: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>>,
  stored: Readonly<Record<string, string>>
): Record<string, string> => {
  const byVendor = new Map<string, string>()
  let forAll: string | undefined
  for (const flag of flags) {
    const m = VendorSecret.exec(flag)
    if (m !== null && Object.values(DemoWebhookVendors).includes(m[1] as never)) byVendor.set(m[1]!, m[2]!)
    else forAll = flag
  }
  const out: Record<string, string> = {}
  for (const vendor of Object.values(DemoWebhookVendors)) {
    const fromEnv = env[secretVariable(vendor)]
    const secret = byVendor.get(vendor) ?? forAll ?? (fromEnv !== undefined && fromEnv !== "" ? fromEnv : undefined) ?? stored[vendor]
    if (secret !== undefined) out[vendor] = secret
  }
  return out
}
