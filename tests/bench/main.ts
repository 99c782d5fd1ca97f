/**
 * `pnpm bench [--quick] [--profile]`: the system benchmark (see system-bench.ts).
 * `pnpm bench audit [options]`: audit-chain sealing and verification figures.
 * `pnpm bench decode [options]`: µs per device event decode, interpreted, guarded and compiled (decode-cost.ts).
 * `pnpm bench fuzz [--inputs N] [--quick]`: every HTTP route fuzzed from its OpenAPI document (fuzz.ts).
 * `pnpm bench nats-fast-paths [options]`: @wt/nats's client fast paths against the client's own (nats-fast-paths.ts).
 * `pnpm bench triage-now [options]`: triage-bulk's handler part per heartbeat, in a fiber against triageNow (triage-paths.ts).
 */
const benches: Record<string, string> = {
  audit: "./audit-verify.ts",
  cluster: "./cluster-bench.ts",
  consume: "./consume-overhead.ts",
  decode: "./decode-cost.ts",
  fuzz: "./fuzz.ts",
  "nats-fast-paths": "./nats-fast-paths.ts",
  receivers: "./receivers.ts",
  rest: "./rest.ts",
  "triage-now": "./triage-paths.ts"
}

const name = process.argv[2]
if (name === undefined || name.startsWith("--")) {
  await import("./system-bench.ts")
} else {
  const file = benches[name]
  if (file === undefined) {
    console.error(`usage: pnpm bench [--quick] [--profile]   |   pnpm bench <${Object.keys(benches).join("|")}> [options]`)
    process.exit(2)
  }
  await import(file)
}
