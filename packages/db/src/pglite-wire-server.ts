import type { PGlite } from "@electric-sql/pglite"
import { createServer, type Server, type Socket } from "node:net"

/**
 * Serves one PGlite instance over the PostgreSQL wire protocol to several clients.
 *
 * Why not `PGLiteSocketServer` from `@electric-sql/pglite-socket` (0.2.17)? Its
 * `maxConnections` multiplexer queues *single protocol messages* from all clients
 * onto the one backend, and only keeps a client's messages together inside an
 * explicit transaction block. The extended protocol (Parse/Bind/Execute/Sync, used
 * by @effect/sql-pg for every parameterised query, prepared or not) keeps the
 * unnamed statement and portal in the backend between those messages, so two
 * clients interleave each other's Bind and Execute. Verified here with two
 * @effect/sql-pg pools: "portal \"\" does not exist", "Unexpected BindComplete
 * during parse". This server hands the backend to one client from the first message
 * of a request cycle until its Sync (or simple Query), and for as long as that
 * client holds a transaction open.
 */

const SslRequestCode = 80877103
const GssEncRequestCode = 80877104
const CancelRequestCode = 80877102
const ProtocolVersion3 = 196608

const MsgSync = 0x53 // S
const MsgQuery = 0x51 // Q
const MsgTerminate = 0x58 // X
const MsgParse = 0x50 // P
const MsgClose = 0x43 // C

/** First-come first-served ownership of the single backend. */
class BackendLock {
  private owner: Session | undefined
  private readonly waiting: Array<{ readonly session: Session; readonly grant: () => void }> = []

  holds(session: Session): boolean {
    return this.owner === session
  }

  acquire(session: Session): Promise<void> {
    if (this.owner === session) return Promise.resolve()
    if (this.owner === undefined) {
      this.owner = session
      return Promise.resolve()
    }
    return new Promise((grant) => this.waiting.push({ session, grant }))
  }

  release(session: Session): void {
    if (this.owner !== session) return
    const next = this.waiting.shift()
    this.owner = next?.session
    next?.grant()
  }
}

type Inbound =
  | { readonly kind: "startup"; readonly bytes: Uint8Array }
  | { readonly kind: "typed"; readonly type: number; readonly bytes: Uint8Array }

const readCString = (bytes: Uint8Array, offset: number): string => {
  let end = offset
  while (end < bytes.length && bytes[end] !== 0) end++
  return Buffer.from(bytes.subarray(offset, end)).toString("utf8")
}

const quoteIdent = (name: string): string => `"${name.replaceAll("\"", "\"\"")}"`

class Session {
  private buffer: Buffer = Buffer.alloc(0)
  private started = false
  private closed = false
  private work: Promise<void> = Promise.resolve()
  /** Named statements this client prepared: the backend is shared, so they are dropped when it leaves. */
  private readonly prepared = new Set<string>()
  readonly socket: Socket
  private readonly db: PGlite
  private readonly lock: BackendLock

  constructor(socket: Socket, db: PGlite, lock: BackendLock) {
    this.socket = socket
    this.db = db
    this.lock = lock
    socket.setNoDelay(true)
    socket.on("data", (chunk) => this.receive(chunk))
    socket.on("error", () => socket.destroy())
    socket.on("close", () => this.enqueue(() => this.leave()))
  }

  get done(): Promise<void> {
    return this.work
  }

  private enqueue(task: () => Promise<void>): void {
    this.work = this.work.then(task).catch(() => {
      this.socket.destroy()
    })
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk])
    const messages: Array<Inbound> = []
    for (;;) {
      if (!this.started) {
        if (this.buffer.length < 8) break
        const length = this.buffer.readInt32BE(0)
        if (this.buffer.length < length) break
        const code = this.buffer.readInt32BE(4)
        const bytes = this.buffer.subarray(0, length)
        this.buffer = this.buffer.subarray(length)
        if (code === SslRequestCode || code === GssEncRequestCode) {
          this.socket.write("N")
          continue
        }
        if (code === CancelRequestCode) {
          // No backend process to signal: a cancel request is acknowledged by closing.
          this.socket.end()
          return
        }
        if (code !== ProtocolVersion3) {
          this.socket.destroy()
          return
        }
        this.started = true
        messages.push({ kind: "startup", bytes: new Uint8Array(bytes) })
        continue
      }
      if (this.buffer.length < 5) break
      const length = 1 + this.buffer.readInt32BE(1)
      if (this.buffer.length < length) break
      const type = this.buffer[0]!
      messages.push({ kind: "typed", type, bytes: new Uint8Array(this.buffer.subarray(0, length)) })
      this.buffer = this.buffer.subarray(length)
    }
    if (messages.length > 0) this.enqueue(() => this.run(messages))
  }

  private async run(messages: ReadonlyArray<Inbound>): Promise<void> {
    if (this.closed) return
    const batch: Array<Uint8Array> = []
    let terminate = false
    for (const message of messages) {
      if (message.kind === "startup") {
        await this.exec([message.bytes])
        this.releaseIfIdle()
        continue
      }
      if (message.type === MsgTerminate) {
        // PGlite would shut its only backend down on a Terminate; the client just leaves.
        terminate = true
        break
      }
      this.track(message.type, message.bytes)
      batch.push(message.bytes)
    }
    if (batch.length > 0) {
      await this.exec(batch)
      const last = messages.findLast((m) => m.kind === "typed" && m.type !== MsgTerminate)
      if (last?.kind === "typed" && (last.type === MsgSync || last.type === MsgQuery)) this.releaseIfIdle()
    }
    if (terminate) this.socket.end()
  }

  private track(type: number, bytes: Uint8Array): void {
    if (type === MsgParse) {
      const name = readCString(bytes, 5)
      if (name !== "") this.prepared.add(name)
    } else if (type === MsgClose && bytes[5] === 0x53) {
      this.prepared.delete(readCString(bytes, 6))
    }
  }

  private async exec(messages: ReadonlyArray<Uint8Array>): Promise<void> {
    await this.lock.acquire(this)
    if (this.closed) return this.lock.release(this)
    const input = messages.length === 1 ? messages[0]! : Buffer.concat(messages)
    const last = messages[messages.length - 1]!
    const cycleEnds = last[0] === MsgSync || last[0] === MsgQuery || last[0] === 0
    await this.db.runExclusive(() =>
      this.db.execProtocolRawStream(input, {
        // Flushing the file system once per request cycle, not per message.
        syncToFs: cycleEnds,
        onRawData: (data) => {
          if (data.length > 0 && this.socket.writable) this.socket.write(data)
        }
      })
    )
  }

  private releaseIfIdle(): void {
    if (!this.db.isInTransaction()) this.lock.release(this)
  }

  private async leave(): Promise<void> {
    this.closed = true
    if (!this.lock.holds(this) && this.prepared.size === 0) return
    await this.lock.acquire(this)
    try {
      // End a half-sent extended-protocol cycle, then undo what the client left open.
      await this.discard(new Uint8Array([MsgSync, 0, 0, 0, 4]))
      const cleanup = [
        ...(this.db.isInTransaction() ? ["ROLLBACK"] : []),
        ...[...this.prepared].map((name) => `DEALLOCATE ${quoteIdent(name)}`)
      ]
      if (cleanup.length > 0) await this.discard(simpleQuery(cleanup.join(";\n")))
    } finally {
      this.prepared.clear()
      this.lock.release(this)
    }
  }

  /**
   * Runs a message whose answer nobody reads. It must still pass its own sink:
   * PGlite keeps the last `onRawData` and would send the answer to another client.
   */
  private discard(message: Uint8Array): Promise<void> {
    return this.db.runExclusive(() => this.db.execProtocolRawStream(message, { syncToFs: true, onRawData: () => {} }))
  }
}

const simpleQuery = (text: string): Uint8Array => {
  const body = Buffer.from(`${text}\0`, "utf8")
  const message = Buffer.alloc(5 + body.length)
  message[0] = MsgQuery
  message.writeInt32BE(4 + body.length, 1)
  body.copy(message, 5)
  return new Uint8Array(message)
}

export interface PgliteWireServer {
  readonly host: string
  readonly port: number
  readonly close: () => Promise<void>
}

export const servePglite = (
  db: PGlite,
  options: { readonly host?: string; readonly port?: number; readonly maxConnections?: number } = {}
): Promise<PgliteWireServer> => {
  const host = options.host ?? "127.0.0.1"
  const lock = new BackendLock()
  const sessions = new Set<Session>()
  const server: Server = createServer((socket) => {
    const session = new Session(socket, db, lock)
    sessions.add(session)
    socket.on("close", () => {
      void session.done.then(() => sessions.delete(session))
    })
  })
  server.maxConnections = options.maxConnections ?? 64
  return new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject)
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resolve({
        host,
        port,
        close: async () => {
          await new Promise<void>((done) => {
            server.close(() => done())
            for (const session of sessions) session.socket.destroy()
          })
          await Promise.all([...sessions].map((s) => s.done))
        }
      })
    })
  })
}
