export { defaultPorts, entryOf, portVariable, ServiceNames, type ServiceName } from "./services.ts"
export { type ServiceProcess, ServiceNotReady, startServiceProcess, waitReady } from "./service-process.ts"
