export { type Executed, IncidentContended, IncidentStore, IncidentUnreadable, type StoredIncident, type StoreError } from "./incident-store.ts"
export { OpenIncidentBucket, OpenIncidentIndex, type OpenPointer } from "./open-incident-index.ts"
export { incidentIdFor, routeDeviceEvent, type Routed, RoutingContended } from "./route-device-event.ts"
