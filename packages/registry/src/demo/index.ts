/**
 * The demo, apart from the registry's production code: the fictional Fjordvik fleet, its
 * secrets, wire identities, responders, the neighbour tenant and the seeder that writes them.
 * For what starts or drives a demo (launcher, `wt seed`, simulators, tests) only.
 */
export { type DemoFleet, demoFleet, type DemoFleetOptions, DemoTenantId, DemoTenantName } from "./demo-fleet.ts"
export { DemoUsers } from "./demo-fleet-seed.ts"
export { demoDc09Key, demoEncrypts, demoIdentities, DemoWebhookVendors, demoWireDigits } from "./demo-identities.ts"
export { contactDevice, DemoMembers, type DemoRespondersOption, DemoTeams, DemoZones, memberDevice } from "./demo-responders.ts"
export {
  demoDc09KeySecret,
  demoResponderTokens,
  type DemoResponderTokens,
  type DemoSecrets,
  demoSecrets,
  DemoSecretsError,
  demoWebhookSecrets,
  saveDemoResponderTokens
} from "./demo-secrets.ts"
export { DemoSeeder, type SeedDemoOptions, type SeedSummary } from "./demo-seeder.ts"
export { NeighbourTenantId, NeighbourTenantName, NeighbourUsers } from "./neighbour-tenant.ts"
