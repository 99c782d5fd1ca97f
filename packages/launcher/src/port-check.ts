import { createServer } from "node:net"
import { Data, Effect } from "effect"

/** A port a service is to listen on is held by another process: said before anything starts. */
export class PortTaken extends Data.TaggedError("PortTaken")<{
  readonly taken: ReadonlyArray<{ readonly service: string; readonly port: number; readonly variable: string }>
  readonly host: string
}> {
  override get message() {
    return this.taken.map((t) =>
      `${t.service}: port ${t.port} on ${this.host} (${t.variable}) is taken by another process (another copy of the system?); stop it, or set ${t.variable} to a free port`
    ).join("\n")
  }
}

/**
 * Whether `port` can be listened on at `host` now, tried the way a service will listen (without
 * SO_REUSEPORT, so a listener on the port, on this address or on all of them, makes it taken).
 */
export const portIsFree = (host: string, port: number): Effect.Effect<boolean> =>
  Effect.callback<boolean>((resume) => {
    const server = createServer()
    server.unref()
    server.once("error", () => resume(Effect.succeed(false)))
    server.listen({ port, host, exclusive: true }, () => server.close(() => resume(Effect.succeed(true))))
  })
