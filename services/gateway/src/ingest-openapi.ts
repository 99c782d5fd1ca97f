import { Schema } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiMiddleware, HttpApiSchema, HttpApiSecurity, OpenApi } from "effect/http-api"
import { SenderDeviceEvent } from "@wt/contracts"
import { declareServerAnswers } from "@wt/service-runtime"
import { MaxBodyBytes, MaxEventsPerRequest } from "./ingest-batch.ts"

// The ingest port's routes (ingest-route.ts, webhook-route.ts) are plain routes; this HttpApi only
// describes them, so that the OpenAPI document is generated from the device contract's Schema, the
// one the gateway decodes with (SenderDeviceEvent), and the answers' shapes.

const Rejected = Schema.Struct({ index: Schema.Int, reason: Schema.String }).annotate({ identifier: "RejectedEvent" })

/** The ingest contract's answer: ids stored, events refused by their place in the request. */
const IngestAnswer = Schema.Struct({
  accepted: Schema.Array(Schema.String),
  rejected: Schema.Array(Rejected),
  /** Why the whole request was refused (a body that cannot be read, too large, over the rate limit). */
  error: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "IngestAnswer" })

const answer = (status: number, identifier: string, description: string) =>
  IngestAnswer.pipe(HttpApiSchema.status(status)).annotate({ identifier, description })
const refusal = (status: number, identifier: string, description: string) =>
  Schema.Struct({ error: Schema.String }).pipe(HttpApiSchema.status(status)).annotate({ identifier, description })

const Batch = Schema.Union([
  SenderDeviceEvent,
  Schema.Array(SenderDeviceEvent).check(Schema.isMinLength(1), Schema.isMaxLength(MaxEventsPerRequest))
]).annotate({
  identifier: "IngestBody",
  description: `One device event, or an array of 1 to ${MaxEventsPerRequest}; at most ${MaxBodyBytes / 1024 / 1024} MiB, nested at most 32 levels.`
})

/** `Authorization: Bearer <tenant ingest key>`. */
class IngestKey extends HttpApiMiddleware.Service<IngestKey>()("wt/gateway/IngestKey", {
  security: { ingestKey: HttpApiSecurity.bearer },
  error: refusal(401, "IngestUnauthorized", "No valid tenant ingest key")
}) {}

class EventsDoc extends HttpApiGroup.make("events", { topLevel: true })
  .add(
    HttpApiEndpoint.post("ingest", "/v1/events", {
      payload: Batch,
      success: answer(202, "IngestAccepted", "At least one event stored in JetStream; the others named by index with a reason (and kept in WT_DLQ)"),
      error: [
        answer(400, "IngestRefused", "Nothing accepted: a body that is not JSON, nested too deep, an empty batch, or every event refused (each by index)"),
        answer(413, "IngestTooLarge", `A body over ${MaxBodyBytes / 1024 / 1024} MiB or more than ${MaxEventsPerRequest} events`),
        answer(429, "IngestRateLimited", "Nothing accepted, some events over their device's or key's rate limit: send them again after Retry-After seconds"),
        answer(503, "IngestNotStored", "Nothing could be stored: send again (event ids make it safe)")
      ]
    })
      .middleware(IngestKey)
      .annotate(
        OpenApi.Description,
        "One canonical device event (`wt.device-event/v1`, contracts/json-schema/device-event.v1.schema.json) or an array of up to 1000. " +
          "Answered only after JetStream stored every accepted event. The tenant comes from the key: an event naming another is refused. " +
          "Each event is checked alone: a batch with bad events is 202 with the good ones stored and the bad ones in `rejected`. " +
          "Unknown top-level and source properties are refused (named in the reason); payload properties the contract does not name are kept."
      )
  )
{}

const WebhookAnswer = IngestAnswer.annotate({ identifier: "WebhookAnswer" })
const webhookAnswer = (status: number, identifier: string, description: string) =>
  WebhookAnswer.pipe(HttpApiSchema.status(status)).annotate({ identifier, description })

class WebhooksDoc extends HttpApiGroup.make("webhooks", { topLevel: true })
  .add(
    HttpApiEndpoint.post("webhook", "/v1/webhooks/:vendor", {
      params: { vendor: Schema.String.annotate({ description: "The vendor whose mapping reads the body (packages/webhooks/vendors/<vendor>.json: demo-dispenser, demo-sensors)" }) },
      payload: Schema.Unknown.annotate({ identifier: "VendorBody", description: "The vendor platform's JSON, as its mapping file describes it; at most 1 MiB" }),
      success: webhookAnswer(200, "WebhookStored", "Every event stored"),
      error: [
        webhookAnswer(202, "WebhookPartlyStored", "Some events stored, the others named by index with a reason (and kept in WT_DLQ)"),
        webhookAnswer(400, "WebhookEventsRefused", "Every event refused, each by index"),
        refusal(400, "WebhookRefused", "A body the mapping cannot read (not JSON, nested too deep, no events where the mapping says)"),
        refusal(401, "WebhookUnauthenticated", "No signature, a wrong one, or a timestamp outside the tolerance (the reason names the header, never the signature)"),
        refusal(404, "WebhookUnknownVendor", "No mapping for this vendor"),
        refusal(413, "WebhookTooLarge", "A body over 1 MiB"),
        webhookAnswer(429, "WebhookRateLimited", "Events over the platform's or a device's rate limit: send the body again after Retry-After seconds (what was stored collapses on its ids)"),
        refusal(503, "WebhookNotStored", "The registry or JetStream could not be reached: send again")
      ]
    }).annotate(
      OpenApi.Description,
      "A vendor platform's events, mapped to canonical device events by the vendor's mapping file. The request's HMAC-SHA256 signature (header, encoding and signed content per the mapping, e.g. `x-signature` over `{x-timestamp}.{body}`) is checked with the vendor's secret (WT_WEBHOOK_SECRET_<VENDOR>). Every refused request or event is kept in WT_DLQ."
    )
  )
{}

/** 429s carry Retry-After; HttpApi's error schemas cannot declare a header, so it is added here. */
const retryAfter = (spec: Record<string, any>) => {
  for (const item of Object.values<Record<string, any>>(spec.paths ?? {})) {
    for (const operation of Object.values<Record<string, any>>(item)) {
      const limited = operation.responses?.["429"]
      if (limited !== undefined) {
        limited.headers = { "retry-after": { description: "Seconds to wait before sending again", required: true, schema: { type: "string", pattern: "^[0-9]+$" } } }
      }
    }
  }
  return spec
}

export class IngestApiDoc extends HttpApi.make("ingest")
  .add(EventsDoc)
  .add(WebhooksDoc)
  .annotateMerge(OpenApi.annotations({
    title: "Welfare-technology response centre — ingest API",
    description: "Device events over HTTP, on the ingest port (WT_INGEST_PORT, default 8081): canonical events with a tenant ingest key, and vendor platforms' signed webhooks.",
    // Both routes read their own bodies (and answer 413 themselves); an over-long vendor name matches no route.
    transform: (spec) => declareServerAnswers(retryAfter(spec), { bodyLimit: false })
  }))
{}

/** The document, generated once. */
export const ingestOpenApi = OpenApi.fromApi(IngestApiDoc)

/** `GET /openapi.json` on the ingest port. */
export const IngestOpenApiRoute = HttpRouter.add("GET", "/openapi.json", HttpServerResponse.jsonUnsafe(ingestOpenApi))
