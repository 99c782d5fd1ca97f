import type { Server as HttpServer } from "node:http"
import type { Server as NetServer } from "node:net"
import { Effect, Schema, type Scope } from "effect"

/** A receiver could not take its port (taken by another program, or not allowed). */
export class ListenFailed extends Schema.TaggedError<ListenFailed>()("ListenFailed", {
  listener: Schema.String,
  port: Schema.Number,
  message: Schema.String
}) {}

/**
 * Listens on `host:port` for the life of the scope and answers the port it got (0 asks for a free
 * one); at the scope's end `dropConnections` runs and the server closes.
 */
export const listenScoped = (
  server: NetServer | HttpServer,
  listener: string,
  host: string,
  port: number,
  dropConnections: () => void
): Effect.Effect<number, ListenFailed, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.callback<void, Error>((resume) => {
      server.once("error", (e) => resume(Effect.fail(e)))
      server.listen(port, host, () => resume(Effect.void))
    }).pipe(Effect.mapError((e) => new ListenFailed({ listener, port, message: e.message }))),
    () =>
      Effect.callback<void>((resume) => {
        dropConnections()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(() => {
    const address = server.address()
    return typeof address === "object" && address !== null ? address.port : port
  }))
