import { Config, Effect, Option, Redacted } from "effect"
import { webhookSecretVariable } from "@wt/webhooks"

/**
 * Each vendor's HMAC secret, read from its environment variable at start. A vendor without one
 * has every request refused as unsigned: a webhook no secret can check is never taken on trust.
 */
export const webhookSecrets = Effect.fn("Gateway.webhookSecrets")(function*(vendors: Iterable<string>) {
  const secrets = new Map<string, Redacted.Redacted<string>>()
  for (const vendor of vendors) {
    const secret = yield* Config.option(Config.Redacted(webhookSecretVariable(vendor)))
    if (Option.isSome(secret) && Redacted.value(secret.value) !== "") secrets.set(vendor, secret.value)
    else yield* Effect.logWarning(`no ${webhookSecretVariable(vendor)}: webhooks of ${vendor} will be refused`)
  }
  return secrets as ReadonlyMap<string, Redacted.Redacted<string>>
})
