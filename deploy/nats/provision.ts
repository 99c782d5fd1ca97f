// Provisions an installation's streams and KV buckets on a NATS of your own, as the provisioning
// user: what `pnpm start` does before its services start. Run it once before the services, and
// again after every upgrade (compose: a one-shot service; Kubernetes: a Job or an init container).
//
//   NATS_URL=nats://nats-1:4222,nats://nats-2:4222,nats://nats-3:4222 NATS_STREAM_REPLICAS=3 \
//   NATS_NKEY_FILE=/etc/wt/nats/provision.nk NATS_INBOX_PREFIX=_INBOX.provision NATS_CA=/etc/wt/nats/ca.pem \
//   pnpm exec node deploy/nats/provision.ts
//
// Sized by the same NATS_* settings the services read (NATS_STREAM_REPLICAS, NATS_*_MAX_AGE);
// credentials from NATS_*_PROVISION when set, else NATS_* (docs/nats-security.md).
import { NodeRuntime } from "@effect/platform-node"
import { Config, Effect } from "effect"
import { provision } from "@wt/launcher"
import { LoggerLive } from "@wt/observability"

const program = Effect.gen(function*() {
  const natsUrl = yield* Config.String("NATS_URL")
  yield* provision({ natsUrl })
  yield* Effect.logInfo("provisioned: every stream and bucket is as this version wants it")
})

NodeRuntime.runMain(program.pipe(Effect.provide(LoggerLive("provision"))))
