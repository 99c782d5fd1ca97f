import type { DemoResponderTokens } from "@wt/registry/demo"

/**
 * The demo's responder phones, split into team members' and next of kin's, from the tokens the
 * demo issued (`responderDevices` in the data directory's demo-secrets.json, or the seed's answer).
 * In device-name order, so the same tokens give the same simulation.
 */
export const demoResponderDevices = (tokens: DemoResponderTokens) => {
  const named = Object.entries(tokens).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return {
    members: named.filter(([device]) => device.startsWith("member:")).map(([, token]) => token),
    contacts: named.filter(([device]) => device.startsWith("contact:")).map(([, token]) => token)
  }
}
