/**
 * The DC-09 block check: CRC-16/ARC (polynomial 0x8005 reflected as 0xA001, initial value 0,
 * no final XOR), taken over the bytes from the first `"` up to the last byte before `<CR>`.
 * SIA DC-07 printed a table with one wrong entry (0xBE01 for 0xEB01, noted by North Latitude's
 * DC-09 Q&A), so the table here is computed, not copied.
 */
const Table: Uint16Array = (() => {
  const table = new Uint16Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1
    table[n] = c
  }
  return table
})()

/** CRC-16/ARC of `bytes[from, to)`. */
export const crc16 = (bytes: Uint8Array, from = 0, to = bytes.length): number => {
  let crc = 0
  for (let i = from; i < to; i++) crc = (crc >>> 8) ^ Table[(crc ^ bytes[i]!) & 0xff]!
  return crc
}

/** Four upper-case hex digits, as the CRC and the `0LLL` length are written on the wire. */
export const hex4 = (n: number): string => n.toString(16).toUpperCase().padStart(4, "0")
