export { storedBytes, storeDeviceEvent } from "./store-device-event.ts"
