import { Schema } from "effect"

/** The last event of a stream its session ended (`event: session`), see stream-route.ts. */
export const StreamSessionEnd = Schema.Struct({
  ended: Schema.Literals(["signed_out", "changed"])
}).annotate({
  identifier: "StreamSessionEnd",
  description: "`signed_out`: the session was signed out or expired; `changed`: the user's role or tenants changed (reconnect for the new scope)."
})

/** Server-sent events cannot be declared as an HttpApi endpoint here; how each event's data is written. */
export const StreamEvents = {
  incident: { schema: "IncidentRecord", description: "An incident record stored for one of the user's tenants: `{event, state}`." },
  session: { schema: "StreamSessionEnd", description: "The stream's last event when its session ended." }
} as const

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })

/**
 * Adds `GET /api/stream` (a plain route, stream-route.ts) to the console's OpenAPI document: its
 * security, its 200 as `text/event-stream` with each event's data schema (`x-sse-events`, the
 * schemas generated into the components from `IncidentRecord` and `StreamSessionEnd`), and its
 * 401 with the same JSON body as every other route's.
 */
export const describeStream = (spec: Record<string, any>): Record<string, any> => ({
  ...spec,
  tags: [...(spec.tags ?? []), { name: "stream", description: "The live queue" }],
  paths: {
    ...spec.paths,
    "/api/stream": {
      get: {
        tags: ["stream"],
        operationId: "stream.incidents",
        summary: "The live queue as server-sent events",
        description:
          "Each incident record stored for one of the caller's tenants is sent as `event: incident` with the record (`{event, state}`, JSON) as `data`. " +
          "A comment line (`: connected`) is written once subscribed, and `: heartbeat` every 15 s (`WT_STREAM_HEARTBEAT`). " +
          "Every 2 s (`WT_STREAM_SESSION_CHECK`) the session is read again: once it is signed out or expired, or the user's role or tenants changed, " +
          "the stream sends `event: session` with `{ended}` and ends. Nothing of another tenant is ever sent.",
        parameters: [],
        security: [{ cookie: [] }, { bearer: [] }],
        responses: {
          "200": {
            description: "The event stream (`text/event-stream`); it ends on sign-out, a change of the user's scope, or shutdown.",
            headers: {
              "cache-control": { schema: { type: "string", enum: ["no-cache, no-transform"] }, required: true }
            },
            content: {
              "text/event-stream": {
                schema: { type: "string", description: "Server-sent events (WHATWG HTML, 9.2); the data of each event named in x-sse-events is one line of JSON." },
                "x-sse-events": Object.fromEntries(Object.entries(StreamEvents).map(([event, { schema, description }]) => [event, { description, data: ref(schema) }]))
              }
            }
          },
          "401": {
            description: "Unauthorized",
            content: { "application/json": { schema: ref("UnauthorizedEncoded") } }
          }
        }
      }
    }
  }
})
