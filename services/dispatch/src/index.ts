export { AgencyAlert, agencyStreamSpec, agencySubject, AgencyStream } from "./agency-channel.ts"
export { DispatchService } from "./dispatch-service.ts"
