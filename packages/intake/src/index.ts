export { acceptFrame, countFrame, type ReceiverProtocol, recordAnswered, type Refusal, refuseFrame } from "./receiver-frames.ts"
export { storedBytes, storeDeviceEvent } from "./store-device-event.ts"
