import { createServer } from "node:net"
import { Effect, Schema } from "effect"

/** A port a service is to listen on is held by another process: said before anything starts. */
export class PortTaken extends Schema.TaggedError<PortTaken>()("PortTaken", {
  taken: Schema.Array(Schema.Struct({ service: Schema.String, port: Schema.Number, variable: Schema.String })),
  host: Schema.String
}) {
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

/**
 * The first port from `from` up that is free at `host` and not in `assigned` (ports this start
 * has given to other services, not yet listened on). Below the kernel's ephemeral range (32768
 * and up on Linux), unlike a port the kernel picks (`listen(0)`): a port there can be taken
 * between being picked and being listened on by any outgoing connection on the machine (a
 * service's own to NATS or PostgreSQL), while one found here is taken only by another listener,
 * which the start then names. The first system on a machine gets the contract ports this way.
 */
export const firstFreePort = Effect.fn("Launcher.firstFreePort")(function*(host: string, from: number, assigned: ReadonlySet<number>): Effect.fn.Return<number | undefined> {
  for (let port = from; port < from + 1000 && port < 32768; port++) {
    if (!assigned.has(port) && (yield* portIsFree(host, port))) return port
  }
  return undefined
})
