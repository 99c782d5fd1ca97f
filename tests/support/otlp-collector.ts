import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"

/** One span as an OTLP/HTTP JSON export carried it, with the service that sent it. */
export interface CollectedSpan {
  readonly service: string
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string | undefined
  readonly name: string
  /** OTLP's number: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number
}

export interface OtlpCollector {
  /** Base URL for `OTEL_EXPORTER_OTLP_ENDPOINT` (the services post to `/v1/traces` under it). */
  readonly url: string
  readonly spans: ReadonlyArray<CollectedSpan>
  /** Every request body as received, to check what left the services. */
  readonly bodies: ReadonlyArray<string>
  readonly close: () => Promise<void>
}

interface ExportBody {
  readonly resourceSpans?: ReadonlyArray<{
    readonly resource?: { readonly attributes?: ReadonlyArray<{ readonly key: string; readonly value: { readonly stringValue?: string } }> }
    readonly scopeSpans?: ReadonlyArray<{
      readonly spans?: ReadonlyArray<{ traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number }>
    }>
  }>
}

/**
 * A stand-in for an OpenTelemetry collector: an HTTP server on loopback that takes OTLP/HTTP
 * JSON trace exports (`POST /v1/traces`), answers 200 as a collector does, and keeps the spans.
 */
export const startOtlpCollector = async (): Promise<OtlpCollector> => {
  const spans: Array<CollectedSpan> = []
  const bodies: Array<string> = []
  const server: Server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      if (request.method !== "POST" || request.url !== "/v1/traces") {
        response.writeHead(404).end()
        return
      }
      const text = Buffer.concat(chunks).toString("utf8")
      bodies.push(text)
      try {
        const body = JSON.parse(text) as ExportBody
        for (const resourceSpan of body.resourceSpans ?? []) {
          const service = resourceSpan.resource?.attributes?.find((a) => a.key === "service.name")?.value.stringValue ?? "?"
          for (const scope of resourceSpan.scopeSpans ?? []) {
            for (const span of scope.spans ?? []) {
              spans.push({ service, traceId: span.traceId, spanId: span.spanId, parentSpanId: span.parentSpanId || undefined, name: span.name, kind: span.kind })
            }
          }
        }
        response.writeHead(200, { "content-type": "application/json" }).end("{}")
      } catch {
        response.writeHead(400).end()
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
