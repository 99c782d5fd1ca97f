import { closeSync, openSync, writeSync } from "node:fs"

/** An export file written about a megabyte at a time; readable by its owner only, since it holds the record. */
export class ExportFile {
  readonly fd: number
  private pending: Array<string> = []
  private size = 0
  constructor(file: string) {
    this.fd = openSync(file, "w", 0o600)
  }
  write(text: string) {
    this.pending.push(text)
    this.size += text.length
    if (this.size > 1 << 20) this.flush()
  }
  line(text: string) {
    this.write(`${text}\n`)
  }
  flush() {
    if (this.pending.length > 0) writeSync(this.fd, this.pending.join(""))
    this.pending = []
    this.size = 0
  }
  close() {
    this.flush()
    closeSync(this.fd)
  }
}
