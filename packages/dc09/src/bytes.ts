/**
 * DC-09 is a byte protocol whose text is ASCII (with Windows-1252 allowed in some extended
 * data). Latin-1 maps every byte to one UTF-16 unit and back, so offsets, lengths and the CRC
 * agree between the bytes and the string the parser works on.
 */
export const latin1 = (bytes: Uint8Array): string => {
  let s = ""
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192))
  return s
}

/** The bytes of a string whose units are all below 256 (every string built by this package). */
export const bytesOf = (text: string): Uint8Array => {
  const out = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff
  return out
}

export const LF = 0x0a
export const CR = 0x0d

/** Printable ASCII: what the readable parts of a frame are made of. */
export const isPrintable = (text: string): boolean => /^[\x20-\x7e]*$/u.test(text)
