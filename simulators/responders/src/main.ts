// Simulated responder teams and next of kin, for the demo and load tests:
//   node simulators/responders/src/main.ts --url http://127.0.0.1:8095 --secret <demo ingest key>
// or WT_DEMO_INGEST_KEY, or --data-dir .data to read the demo secret. Prints a JSON summary on exit.
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { DemoBehaviour } from "./behaviour.ts"
import { demoResponderDevices } from "./demo-devices.ts"
import { type ResponderStats, runResponderSimulation } from "./responder-simulation.ts"

const { values } = parseArgs({
  options: {
    url: { type: "string", default: "http://127.0.0.1:8095" },
    secret: { type: "string" },
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

const secret = values.secret ?? process.env["WT_DEMO_INGEST_KEY"] ??
  (JSON.parse(readFileSync(join(values["data-dir"], "demo-secrets.json"), "utf8")) as { ingestKey: string }).ingestKey
const devices = demoResponderDevices(secret)
const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v))
const stats: ResponderStats = { offersSeen: 0, accepted: 0, rejected: 0, ignored: 0, completed: 0, contactAnswers: 0, errors: 0 }

NodeRuntime.runMain(
  Effect.scoped(runResponderSimulation({
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
  }, stats)).pipe(Effect.ensuring(Effect.sync(() => process.stdout.write(JSON.stringify(stats) + "\n")))),
  { disableErrorReporting: false }
)
