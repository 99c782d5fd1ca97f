export { arrivalPosition, type Behaviour, DemoBehaviour, type OfferResponse, respondToOffer } from "./behaviour.ts"
export { type ResponderSimulationOptions, type ResponderStats, runResponderSimulation } from "./responder-simulation.ts"
export { demoResponderDevices } from "./demo-devices.ts"
