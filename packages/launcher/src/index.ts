export { bootstrap, type BootstrapOptions } from "./bootstrap.ts"
export { defaultPorts, portVariable, ServiceNames, type ServiceName } from "./services.ts"
export { type ServiceProcess, ServiceNotReady, startServiceProcess } from "./service-process.ts"
export { type RunningSystem, startSystem, type SystemOptions } from "./system.ts"
