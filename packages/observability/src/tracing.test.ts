import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Logger, Tracer } from "effect"
import { redactedSpanEvents, tracingSettingsConfig } from "./tracing.ts"

const settingsFrom = (env: Record<string, string>) =>
  tracingSettingsConfig("gateway").parse(ConfigProvider.fromUnknown(env))

describe("tracing settings", () => {
  it.effect("off without an endpoint, and with an empty one (as compose passes an unset variable)", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* settingsFrom({}), { _tag: "Off" })
      assert.deepStrictEqual(yield* settingsFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: "" }), { _tag: "Off" })
    }))

  it.effect("an endpoint turns OTLP on, traces at its /v1/traces, with the specification's defaults", () =>
    Effect.gen(function*() {
      const settings = yield* settingsFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })
      assert.deepStrictEqual(settings, {
        _tag: "Otlp",
        url: "http://collector:4318/v1/traces",
        protocol: "http/protobuf",
        serviceName: "gateway",
        headers: {},
        compression: "none",
        exportIntervalMs: 5000,
        maxBatchSize: 512
      })
    }))

  it.effect("the traces endpoint is taken as it is; name, headers, protocol and batching from their variables", () =>
    Effect.gen(function*() {
      const settings = yield* settingsFrom({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://ignored:4318",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://otel.example/custom/path",
        OTEL_SERVICE_NAME: "triage-bulk",
        OTEL_EXPORTER_OTLP_HEADERS: "Authorization=Bearer%20abc, x-tenant=wt",
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_BSP_SCHEDULE_DELAY: "200",
        OTEL_EXPORTER_OTLP_COMPRESSION: "gzip"
      })
      assert.strictEqual(settings._tag, "Otlp")
      if (settings._tag !== "Otlp") return
      assert.strictEqual(settings.url, "https://otel.example/custom/path")
      assert.strictEqual(settings.serviceName, "triage-bulk")
      assert.deepStrictEqual(settings.headers, { authorization: "Bearer abc", "x-tenant": "wt" })
      assert.strictEqual(settings.protocol, "http/json")
      assert.strictEqual(settings.exportIntervalMs, 200)
      assert.strictEqual(settings.compression, "gzip")
    }))

  it.effect("OTEL_SDK_DISABLED or an exporter list without otlp keeps it off", () =>
    Effect.gen(function*() {
      const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }
      assert.deepStrictEqual(yield* settingsFrom({ ...endpoint, OTEL_SDK_DISABLED: "true" }), { _tag: "Off" })
      assert.deepStrictEqual(yield* settingsFrom({ ...endpoint, OTEL_TRACES_EXPORTER: "none" }), { _tag: "Off" })
    }))

  it.effect("a malformed value stops the start with its reason", () =>
    Effect.gen(function*() {
      for (
        const env of [
          { OTEL_EXPORTER_OTLP_ENDPOINT: "not a url" },
          { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" },
          { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_BSP_SCHEDULE_DELAY: "soon" }
        ]
      ) {
        const error = yield* Effect.flip(settingsFrom(env))
        assert.strictEqual(error._tag, "ConfigError", JSON.stringify(env))
      }
    }))
})

describe("span events from logs", () => {
  it.effect("carry the message text, and personal data only censored", () =>
    Effect.gen(function*() {
      const spans: Array<Tracer.NativeSpan> = []
      const tracer = Tracer.make({
        span: (options) => {
          const span = new Tracer.NativeSpan(options)
          spans.push(span)
          return span
        }
      })
      yield* Effect.logWarning("resident record read", { residentId: "r-1", name: "Kari Nordmann", address: { street: "Fjordveien 1" } }).pipe(
        Effect.annotateLogs({ incidentId: "inc-1", phone: "+47 99999999" }),
        Effect.withSpan("Test.span"),
        Effect.withTracer(tracer),
        Effect.provide(Logger.layer([redactedSpanEvents]))
      )
      const [name, , attributes] = spans[0]!.events[0]!
      assert.strictEqual(name, "resident record read")
      assert.strictEqual(attributes["incidentId"], "inc-1")
      assert.strictEqual(attributes["phone"], "[redacted]")
      const data = JSON.parse(String(attributes["log.data"]))
      assert.deepStrictEqual(data, { residentId: "r-1", name: "[redacted]", address: "[redacted]" })
      const everything = JSON.stringify(spans[0]!.events, (_key, value) => (typeof value === "bigint" ? String(value) : value))
      assert.notInclude(everything, "Kari")
      assert.notInclude(everything, "Fjordveien")
      assert.notInclude(everything, "99999999")
    }))
})
