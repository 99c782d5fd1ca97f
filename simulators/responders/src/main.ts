// Simulated responder teams and next of kin, for the demo and load tests:
//   node simulators/responders/src/main.ts --url http://127.0.0.1:8095 --data-dir .data
// The phones' tokens are the ones `pnpm start` issued to the demo and kept in the data directory's
// demo-secrets.json (responderDevices). Prints a JSON summary on exit.
import { join } from "node:path"
import { parseArgs } from "node:util"
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Redacted } from "effect"
import { demoResponderTokens } from "@wt/registry/demo"
import { DemoBehaviour } from "./behaviour.ts"
import { demoResponderDevices } from "./demo-devices.ts"
import { type ResponderStats, runResponderSimulation } from "./responder-simulation.ts"

const { values } = parseArgs({
  options: {
    url: { type: "string", default: "http://127.0.0.1:8095" },
    "data-dir": { type: "string", default: ".data" },
    seed: { type: "string", default: "1" },
    accept: { type: "string" },
    reject: { type: "string" },
    "wrong-address": { type: "string" },
    "ms-per-minute": { type: "string" },
    "no-contacts": { type: "boolean", default: false },
    quiet: { type: "boolean", default: false }
  }
})

const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v))
const stats: ResponderStats = { offersSeen: 0, accepted: 0, rejected: 0, ignored: 0, completed: 0, contactAnswers: 0, errors: 0 }

const simulation = Effect.gen(function*() {
  const devices = demoResponderDevices(Redacted.value(yield* demoResponderTokens({ dataDir: values["data-dir"] })))
  if (devices.members.length === 0) {
    return yield* Effect.die(new Error(
      `no demo responder tokens in ${join(values["data-dir"], "demo-secrets.json")}: pnpm start issues them (unless WT_DEMO_RESPONDERS=0)`
    ))
  }
  return yield* runResponderSimulation({
    url: values.url,
    members: devices.members,
    ...(values["no-contacts"] ? {} : { contacts: devices.contacts }),
    seed: Number(values.seed),
    behaviour: {
      acceptShare: num(values.accept, DemoBehaviour.acceptShare),
      rejectShare: num(values.reject, DemoBehaviour.rejectShare),
      wrongAddressShare: num(values["wrong-address"], DemoBehaviour.wrongAddressShare),
      msPerMinute: num(values["ms-per-minute"], DemoBehaviour.msPerMinute)
    },
    ...(values.quiet ? {} : { onStep: (step: string, incidentId: string) => process.stdout.write(`responder ${step} ${incidentId}\n`) })
  }, stats)
})

NodeRuntime.runMain(
  Effect.scoped(simulation).pipe(Effect.ensuring(Effect.sync(() => process.stdout.write(JSON.stringify(stats) + "\n")))),
  { disableErrorReporting: false }
)
