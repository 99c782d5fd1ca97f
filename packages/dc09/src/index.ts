/**
 * SIA DC-09 (ANSI/SIA DC-09-2013) for the receiver: frames in, replies out, canonical
 * device events. Pure: no sockets here; the receiver service owns the network.
 */
export {
  type CidContent,
  type Content,
  type DeviceTime,
  type ExtendedData,
  type Frame,
  type FrameHeader,
  type MessageId,
  MessageIds,
  type NullContent,
  type Parsed,
  type ParseResult,
  type Refusal,
  type RefusalReason,
  RefusalReasons,
  type SenderIdentity,
  senderIdentity,
  type SiaContent,
  type SiaEvent
} from "./frame.ts"
export { MaxFrameBytes, type ParseOptions, parseFrame } from "./parse.ts"
export { ackFor, duhFor, frameOf, nakAt, type Reply, type ReplyKind, type ReplyOptions, ReplyForRefusal, replyFor } from "./reply.ts"
export { formatTimestamp, parseTimestamp, StandardWindow, type TimestampWindow } from "./timestamp.ts"
export { crc16 } from "./crc.ts"
export type { RandomBytes } from "./cipher.ts"
export {
  type Canonical,
  type CodeTable,
  CodeTableVersion,
  type ContactIdRule,
  contactIdClassRule,
  DefaultCodeTable,
  type Mapping,
  mapContactId,
  mapSia,
  type SiaRule,
  siaClassRule
} from "./code-table.ts"
export { type DeviceEventDraft, eventIdOf, type PayloadExtras, toDeviceEventDrafts } from "./device-event.ts"
export { type FrameSplitter, makeFrameSplitter, type SplitItem, type SplitterOptions } from "./splitter.ts"
export { type FuzzOptions, fuzzParse, type FuzzReport } from "./fuzz.ts"
