/**
 * `pnpm build`: bundles every service, so one can be started by hand from
 * `services/<service>/dist/current/main.mjs`. The launcher (`pnpm start`, tests, `pnpm bench`)
 * does this itself before it starts a service whose sources changed.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { serviceBundle } from "./service-bundle.ts"
import { bundleSpecOf, ServiceNames } from "./services.ts"

// triage and triage-bulk are one program: bundled once.
const specs = [...new Map(ServiceNames.map(bundleSpecOf).map((spec) => [spec.serviceDir, spec])).values()]

const program = Effect.forEach(specs, (spec) =>
  serviceBundle(spec).pipe(
    Effect.flatMap((bundle) => Console.log(`${bundle.built ? "built    " : "unchanged"} ${bundle.entry}`))
  ))

NodeRuntime.runMain(program)
