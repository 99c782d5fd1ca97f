export { CodeTablesVersion, DeviceTypes, LocationCodes, StatusCodes, StatusNumberMeanings, StatusNumbers, type DeviceClass, type StatusClass, type StatusNumber } from "./code-tables.ts"
export { DefaultXmlLimits, readXml, readXmlText, type XmlElement, type XmlLimits, type XmlProblem, type XmlReadResult } from "./xml-reader.ts"
export { parseMessageRequest, requestFromXml, type MessageRequest, type MessageType, type ScaipRefusal, type ScaipRefusalKind } from "./message-request.ts"
export { readStatus, ScaipStatusMapVersion, type Outcome, type StatusReading } from "./status-map.ts"
export { parseDeviceTime, parseGeo, scaipDeviceEvent, scaipDeviceKeys, scaipEventId, type ScaipDevice } from "./device-event.ts"
export { encodeMessageResponse, responseFor, type MessageResponse, type ReceiverOutcome } from "./message-response.ts"
export { MrqFrameSplitter, type FrameItem } from "./frames.ts"
export { fuzzScaip, fuzzScaipSip } from "./fuzz.ts"
export {
  parseSipMessage,
  scaipBodyOf,
  sipFromUser,
  sipHeader,
  SipLimits,
  sipMessageRequest,
  sipResponse,
  SipStreamSplitter,
  type SipMessage,
  type SipRefusal,
  type SipRefusalKind,
  type SipStreamItem
} from "./sip.ts"
export { digestChallenge, digestHa1, makeNonce, parseDigest, verifyDigest, type DigestRefusalKind } from "./sip-digest.ts"
