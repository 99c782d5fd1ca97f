import { hash } from "node:crypto"

/** RFC 6962 domain separation: a leaf can never be taken for an interior node. */
const LeafPrefix = 0x00
const NodePrefix = 0x01

/** Bytes of a SHA-256 hash. */
export const HashBytes = 32

export const sha256 = (data: Uint8Array): Buffer => hash("sha256", data, "buffer")

// One growing scratch buffer: hashing hundreds of thousands of entries a second
// should not allocate a prefixed copy of each.
let scratch = Buffer.alloc(4096)
// Views of the scratch buffer by length: entry sizes repeat, and a view per entry is garbage.
let views = new Map<number, Buffer>()

/** 0x00 || seq as 8 bytes big-endian || bytes, in the scratch buffer. */
const leafInput = (seq: number, bytes: Uint8Array): Buffer => {
  const length = 9 + bytes.length
  if (scratch.length < length) {
    scratch = Buffer.alloc(Math.max(length, scratch.length * 2))
    views = new Map()
  }
  scratch[0] = LeafPrefix
  scratch.writeUInt32BE(Math.floor(seq / 0x1_0000_0000), 1)
  scratch.writeUInt32BE(seq >>> 0, 5)
  scratch.set(bytes, 9)
  let view = views.get(length)
  if (view === undefined) {
    view = scratch.subarray(0, length)
    if (views.size < 4096) views.set(length, view)
  }
  return view
}

/**
 * The leaf of one audit entry: SHA-256(0x00 || seq as 8 bytes big-endian || the
 * entry's bytes exactly as stored). The stream sequence is part of the leaf, so an
 * entry moved to another position no longer matches.
 */
export const leafHash = (seq: number, bytes: Uint8Array): Buffer => hash("sha256", leafInput(seq, bytes), "buffer")

/**
 * {@link leafHash} as a latin1 string, one character per byte. node's `hash()` returns a
 * string about three times faster than a Buffer (no backing store per call), which is
 * most of what verification spends per entry besides SHA-256 itself.
 */
export const leafHashText = (seq: number, bytes: Uint8Array): string => hash("sha256", leafInput(seq, bytes), "binary")

const nodeScratch = Buffer.alloc(1 + 2 * HashBytes)

/** An interior node: SHA-256(0x01 || left || right). */
export const nodeHash = (left: Uint8Array, right: Uint8Array): Buffer => {
  nodeScratch[0] = NodePrefix
  nodeScratch.set(left, 1)
  nodeScratch.set(right, 1 + HashBytes)
  return hash("sha256", nodeScratch, "buffer")
}

/** {@link nodeHash} over hashes given as latin1 strings ({@link leafHashText}), as one. */
export const nodeHashText = (left: string, right: string): string => {
  nodeScratch[0] = NodePrefix
  nodeScratch.write(left, 1, "latin1")
  nodeScratch.write(right, 1 + HashBytes, "latin1")
  return hash("sha256", nodeScratch, "binary")
}

export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")

export const fromHex = (hex: string): Buffer => Buffer.from(hex, "hex")
