import { Effect, Result, Schema } from "effect"
import type { HttpServerRequest } from "effect/http"
import { sendDeadLetter } from "@wt/nats"
import { ExactDecoding } from "@wt/service-runtime"
import { ResponderInvalidRequest } from "./responder-errors.ts"

/**
 * Keeps a refused body in WT_DLQ with its exact bytes and the reason, so that a responder app
 * sending bad requests is seen, not guessed at. A dead letter that cannot be kept is logged; the
 * caller is answered 400 all the same.
 */
const keepRefused = (raw: Uint8Array, reason: string, reasonKind: "invalid_json" | "schema", tenant: string, url: string) =>
  sendDeadLetter({ source: "dispatch", reason: `responder API ${url}: ${reason}`, reasonKind, raw, tenant }).pipe(
    Effect.catch((e) => Effect.logError("could not keep a refused responder request in WT_DLQ", e))
  )

/**
 * A responder request's body decoded with the payload Schema its endpoint declares, or a 400
 * `ResponderInvalidRequest` saying why. The endpoints read their bodies here rather than through
 * HttpApi's decoder, which would refuse what phones have always been allowed to send: a body
 * under any content type, and none at all (or `null`) where the Schema needs no field (en-route).
 * A property the Schema does not name is refused, as the OpenAPI document says; every problem is named.
 */
export const responderBody = Effect.fnUntraced(function*<A>(
  request: HttpServerRequest.HttpServerRequest,
  schema: Schema.Codec<A, any>,
  tenant: string
) {
  const raw = new Uint8Array(yield* Effect.orElseSucceed(request.arrayBuffer, () => new ArrayBuffer(0)))
  const text = new TextDecoder().decode(raw).trim()
  let parsed: unknown = {}
  try {
    if (text.length > 0) parsed = JSON.parse(text)
  } catch (e) {
    const reason = `invalid JSON: ${e instanceof Error ? e.message : String(e)}`
    yield* keepRefused(raw, reason, "invalid_json", tenant, request.url)
    return yield* new ResponderInvalidRequest({ error: reason })
  }
  const decoded = Schema.decodeUnknownResult(schema, ExactDecoding)(parsed ?? {})
  if (Result.isFailure(decoded)) {
    yield* keepRefused(raw, decoded.failure.message, "schema", tenant, request.url)
    return yield* new ResponderInvalidRequest({ error: decoded.failure.message })
  }
  return decoded.success
})
