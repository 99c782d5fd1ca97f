export { receiveDc09Frame, receiveDc09Item } from "./dc09-receiver.ts"
export { ProtocolPortsConfig } from "./receiver-ports.ts"
