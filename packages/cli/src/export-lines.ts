import { open } from "node:fs/promises"

const LF = 0x0a
const CR = 0x0d

/**
 * Calls `onLine` with every line of a file as bytes (`buf[start, end)`, without its
 * break) until it returns false, reading in large blocks. Lines break where readline
 * breaks them (`\n`, `\r\n`, a lone `\r`), so a file reads the same as it did line by line.
 */
export const forEachLine = async (file: string, onLine: (buf: Buffer, start: number, end: number) => boolean): Promise<void> => {
  const handle = await open(file, "r")
  try {
    let buf = Buffer.allocUnsafe(4 * 1024 * 1024)
    let filled = 0
    let eof = false
    while (!eof) {
      if (filled === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2)
        buf.copy(bigger, 0, 0, filled)
        buf = bigger
      }
      const { bytesRead } = await handle.read(buf, filled, buf.length - filled, null)
      eof = bytesRead === 0
      filled += bytesRead
      let start = 0
      while (start < filled) {
        let end = buf.indexOf(LF, start)
        if (end < 0 || end >= filled) {
          if (!eof) break
          end = filled
        }
        if (!splitAtCr(buf, start, end, onLine)) return
        start = end + 1
      }
      // The unfinished last line moves to the front; the next read completes it.
      if (start > 0) {
        buf.copy(buf, 0, Math.min(start, filled), filled)
        filled = Math.max(0, filled - start)
      }
    }
  } finally {
    await handle.close()
  }
}

/** A `\r` before the `\n` belongs to the break; any other `\r` breaks the line too (it never occurs in an export). */
const splitAtCr = (buf: Buffer, start: number, end: number, onLine: (buf: Buffer, start: number, end: number) => boolean): boolean => {
  const stop = end > start && buf[end - 1] === CR ? end - 1 : end
  let from = start
  while (true) {
    const cr = buf.subarray(from, stop).indexOf(CR)
    if (cr < 0) return onLine(buf, from, stop)
    if (!onLine(buf, from, from + cr)) return false
    from += cr + 1
  }
}
