import { Buffer } from "node:buffer"
import { Result } from "effect"
import { DecodeFailed } from "./errors.ts"

/**
 * A device frame: a run of one lane's stored device events in one message of WT_DEVICE_FRAMES,
 * so that a reader of every heartbeat and position takes, acknowledges and decodes one message
 * for a few hundred events (decision 22, docs/device-frames.md).
 *
 * A lane's frames cover its WT_DEVICE sequences without gap or overlap: a frame holds every
 * message of its lane stored from `from` to `to`, and the next frame starts at `to + 1`. Each
 * event is kept as JetStream stored it (its bytes, subject, sequence and time), never re-encoded.
 */
export interface DeviceFrame {
  /** The first WT_DEVICE sequence the frame covers: the previous frame's `to + 1`. */
  readonly from: number
  /** The last WT_DEVICE sequence it covers: its last event's. */
  readonly to: number
  readonly events: ReadonlyArray<FramedEvent>
}

/** One stored device event in a frame. */
export interface FramedEvent {
  readonly seq: number
  /** When JetStream stored it (ms since the epoch). */
  readonly storedAtMs: number
  /** Its WT_DEVICE subject, `wt.dev.<tenant>.<lane>.<type>.<deviceId>`. */
  readonly subject: string
  /** Its bytes as stored. */
  readonly data: Uint8Array
}

/*
 * Layout, little-endian: version (u8) · from (f64) · to (f64) · count (u32) · per event:
 * seq (f64) · storedAtMs (f64) · subject length (u16) · subject (UTF-8) · data length (u32) · data.
 * Sequences are written as doubles: exact up to 2^53, which no stream reaches.
 */
const Version = 1
const HeadBytes = 1 + 8 + 8 + 4
const EventHeadBytes = 8 + 8 + 2 + 4

const utf8Strict = new TextDecoder("utf-8", { fatal: true })

/** The bytes a frame's event adds to it (its subject is ASCII, as every subject built by contracts is). */
export const framedEventBytes = (subjectLength: number, dataLength: number) => EventHeadBytes + subjectLength + dataLength

/** The frame's bytes; `events` must be in stream order within [from, to]. */
export const encodeDeviceFrame = (frame: DeviceFrame): Uint8Array => {
  const events = frame.events
  const subjectLengths = new Array<number>(events.length)
  let size = HeadBytes
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!
    subjectLengths[i] = Buffer.byteLength(e.subject, "utf8")
    size += framedEventBytes(subjectLengths[i]!, e.data.length)
  }
  // A Buffer, so each subject is written in place (no encoded copy per event).
  const bytes = Buffer.allocUnsafe(size)
  bytes.writeUInt8(Version, 0)
  bytes.writeDoubleLE(frame.from, 1)
  bytes.writeDoubleLE(frame.to, 9)
  bytes.writeUInt32LE(events.length, 17)
  let at = HeadBytes
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!
    const subjectLength = subjectLengths[i]!
    bytes.writeDoubleLE(e.seq, at)
    bytes.writeDoubleLE(e.storedAtMs, at + 8)
    bytes.writeUInt16LE(subjectLength, at + 16)
    bytes.write(e.subject, at + 18, subjectLength, "utf8")
    at += 18 + subjectLength
    bytes.writeUInt32LE(e.data.length, at)
    bytes.set(e.data, at + 4)
    at += 4 + e.data.length
  }
  return bytes
}

const invalid = (message: string) => Result.fail(new DecodeFailed({ kind: "invalid_frame", message: `invalid device frame: ${message}` }))

/**
 * A frame from its bytes, or why they are none: a wrong version, a length past the end, bytes
 * left over, sequences out of order or outside [from, to]. Each event's data is a view into
 * `bytes`, not a copy.
 */
export const decodeDeviceFrame = (bytes: Uint8Array): Result.Result<DeviceFrame, DecodeFailed> => {
  if (bytes.length < HeadBytes) return invalid(`${bytes.length} bytes, shorter than a frame's head`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const version = view.getUint8(0)
  if (version !== Version) return invalid(`version ${version}, expected ${Version}`)
  const from = view.getFloat64(1, true)
  const to = view.getFloat64(9, true)
  const count = view.getUint32(17, true)
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 1 || to < from) return invalid(`covers ${from}–${to}`)
  const events = new Array<FramedEvent>()
  let at = HeadBytes
  let last = from - 1
  for (let i = 0; i < count; i++) {
    if (at + EventHeadBytes > bytes.length) return invalid(`event ${i} of ${count} runs past the end`)
    const seq = view.getFloat64(at, true)
    const storedAtMs = view.getFloat64(at + 8, true)
    const subjectLength = view.getUint16(at + 16, true)
    if (!Number.isSafeInteger(seq) || seq <= last || seq > to) return invalid(`event ${i} at sequence ${seq} after ${last}, in ${from}–${to}`)
    if (!Number.isFinite(storedAtMs)) return invalid(`event ${i} has no time`)
    if (at + 18 + subjectLength + 4 > bytes.length) return invalid(`event ${i}'s subject runs past the end`)
    let subject: string
    try {
      subject = utf8Strict.decode(bytes.subarray(at + 18, at + 18 + subjectLength))
    } catch {
      return invalid(`event ${i}'s subject is not UTF-8`)
    }
    at += 18 + subjectLength
    const dataLength = view.getUint32(at, true)
    if (at + 4 + dataLength > bytes.length) return invalid(`event ${i}'s data runs past the end`)
    events.push({ seq, storedAtMs, subject, data: bytes.subarray(at + 4, at + 4 + dataLength) })
    at += 4 + dataLength
    last = seq
  }
  if (at !== bytes.length) return invalid(`${bytes.length - at} bytes after its ${count} events`)
  if (count > 0 && last !== to) return invalid(`ends at ${to} but its last event is ${last}`)
  return Result.succeed({ from, to, events })
}
