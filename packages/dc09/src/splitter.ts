import { CR, LF } from "./bytes.ts"
import { MaxFrameBytes } from "./parse.ts"

/**
 * Splits a TCP byte stream into DC-09 frames, `<LF>` … `<CR>`. A frame may arrive in pieces,
 * several may share a chunk, and anything between frames is reported, never silently lost:
 * - `garbage`: bytes outside any frame (one item per run, ended by the next `<LF>` or the end);
 * - `interrupted`: a frame cut off by a new `<LF>` before its `<CR>`;
 * - `oversized`: a frame longer than any DC-09 frame can be; the splitter stops buffering it and
 *   skips to its `<CR>` or the next `<LF>`, so a peer cannot make it grow without bound;
 * - `truncated`: a frame still open when the stream ended.
 * Each discarded run keeps its first `maxSampleBytes` bytes (for the dead-letter record) and its
 * full length. What comes out does not depend on how the stream was cut into chunks.
 */
export type SplitItem =
  | { readonly _tag: "Frame"; readonly bytes: Uint8Array }
  | {
    readonly _tag: "Discarded"
    readonly reason: "garbage" | "interrupted" | "oversized" | "truncated"
    /** Bytes in the run. */
    readonly length: number
    /** Its first bytes, at most `maxSampleBytes`. */
    readonly sample: Uint8Array
  }

export interface FrameSplitter {
  /** Feed the next chunk; returns what it completed. */
  readonly push: (chunk: Uint8Array) => ReadonlyArray<SplitItem>
  /** The stream ended: reports what was left open. */
  readonly end: () => ReadonlyArray<SplitItem>
  /** Bytes held right now (never more than `maxFrameBytes` + `maxSampleBytes`). */
  readonly buffered: () => number
}

export interface SplitterOptions {
  /** Longest frame accepted, `<LF>` and `<CR>` included; the protocol's maximum by default. */
  readonly maxFrameBytes?: number
  /** Bytes kept of a discarded run; 512 by default. */
  readonly maxSampleBytes?: number
}

export const makeFrameSplitter = (options: SplitterOptions = {}): FrameSplitter => {
  const maxFrame = Math.max(2, options.maxFrameBytes ?? MaxFrameBytes)
  const maxSample = Math.max(0, options.maxSampleBytes ?? 512)
  const frame = new Uint8Array(maxFrame)
  let frameLength = 0
  const sample = new Uint8Array(maxSample)
  let sampleLength = 0
  let runLength = 0
  // idle: between frames (a garbage run may be open); frame: inside one; oversized: skipping one.
  let state: "idle" | "frame" | "oversized" = "idle"

  const addToRun = (b: number) => {
    if (sampleLength < maxSample) sample[sampleLength++] = b
    runLength++
  }
  const closeRun = (reason: "garbage" | "interrupted" | "oversized" | "truncated", out: Array<SplitItem>) => {
    if (runLength > 0) out.push({ _tag: "Discarded", reason, length: runLength, sample: sample.slice(0, sampleLength) })
    runLength = 0
    sampleLength = 0
  }
  const discardFrame = (reason: "interrupted" | "truncated", out: Array<SplitItem>) => {
    for (let i = 0; i < frameLength; i++) addToRun(frame[i]!)
    frameLength = 0
    closeRun(reason, out)
  }
  const startFrame = () => {
    frame[0] = LF
    frameLength = 1
    state = "frame"
  }

  const push = (chunk: Uint8Array): ReadonlyArray<SplitItem> => {
    const out: Array<SplitItem> = []
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!
      if (state === "idle") {
        if (b === LF) {
          closeRun("garbage", out)
          startFrame()
        } else addToRun(b)
      } else if (state === "frame") {
        if (b === CR) {
          frame[frameLength++] = b
          out.push({ _tag: "Frame", bytes: frame.slice(0, frameLength) })
          frameLength = 0
          state = "idle"
        } else if (b === LF) {
          discardFrame("interrupted", out)
          startFrame()
        } else if (frameLength < maxFrame - 1) {
          frame[frameLength++] = b
        } else {
          // No room left for this byte and the <CR>: the frame is longer than any can be.
          for (let k = 0; k < frameLength; k++) addToRun(frame[k]!)
          frameLength = 0
          addToRun(b)
          state = "oversized"
        }
      } else {
        if (b === LF) {
          closeRun("oversized", out)
          startFrame()
        } else {
          addToRun(b)
          if (b === CR) {
            closeRun("oversized", out)
            state = "idle"
          }
        }
      }
    }
    return out
  }

  const end = (): ReadonlyArray<SplitItem> => {
    const out: Array<SplitItem> = []
    if (state === "frame") discardFrame("truncated", out)
    else closeRun(state === "oversized" ? "oversized" : "garbage", out)
    state = "idle"
    return out
  }

  return { push, end, buffered: () => frameLength + sampleLength }
}
