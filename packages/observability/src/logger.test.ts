import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Writable } from "node:stream"
import { layerPino, makePino, type LogLevelName } from "./index.ts"

/** A pino logger writing into memory, and the JSON records it has written so far. */
const capture = (level: LogLevelName = "info") => {
  const chunks: Array<string> = []
  const destination = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk))
      done()
    }
  })
  const sink = makePino({ service: "test-svc", level, destination, pretty: false })
  const records = () =>
    chunks.join("").split("\n").filter((line) => line.length > 0).map((line) => JSON.parse(line) as Record<string, unknown>)
  const raw = () => chunks.join("")
  return { sink, layer: layerPino(sink, level), records, raw }
}

describe("pino logger bridge", () => {
  it.effect("keeps personal and health data nested in annotations and message objects out of the output", () =>
    Effect.gen(function*() {
      const out = capture()
      const resident = {
        id: "res-17",
        name: "Kari Nordmann",
        nationalId: "01017012345",
        contact: { phone: "+4799999999", address: { street: "Storgata 1" } },
        care: { plan: { healthNotes: "insulin at 08:00", contacts: [{ email: "ola@example.no" }] } }
      }
      yield* Effect.logInfo("resident loaded", { position: { lat: 59.91, lon: 10.75 }, text: "fell in bathroom" }).pipe(
        Effect.annotateLogs({ resident, authorization: "Bearer secret-token", incidentId: "inc-1" }),
        Effect.provide(out.layer)
      )
      const raw = out.raw()
      for (const secret of ["Kari", "01017012345", "99999999", "Storgata", "insulin", "ola@example", "59.91", "10.75", "bathroom", "secret-token"]) {
        expect(raw).not.toContain(secret)
      }
      const [record] = out.records()
      expect(record?.incidentId).toBe("inc-1")
      expect(record?.msg).toBe("resident loaded")
      expect(record?.resident).toMatchObject({ id: "res-17", name: "[redacted]", care: { plan: { healthNotes: "[redacted]" } } })
      expect(record?.authorization).toBe("[redacted]")
    }))

  it("censors what is written to the pino instance directly, and the bindings of a child logger and of its child, at any depth", () => {
    const out = capture()
    out.sink.child({ resident: { phone: "+4791234567" } }).child({ token: "child-token" }).info(
      { password: "hunter2", nested: { deeper: { email: "kari@example.no", keySafeCode: "4711" } } },
      "written directly"
    )
    for (const secret of ["91234567", "child-token", "hunter2", "kari@example", "4711"]) expect(out.raw()).not.toContain(secret)
    expect(out.records()[0]).toMatchObject({ msg: "written directly", password: "[redacted]", nested: { deeper: { email: "[redacted]" } } })
  })

  it.effect("keeps a device identity's AES key out of the output, as sent and as stored", () =>
    Effect.gen(function*() {
      const out = capture()
      const body = { identity: "A1B2", line: "77", key: "000102030405060708090a0b0c0d0e0f" }
      yield* Effect.logWarning("identity refused", { body, row: { identity: "A1B2", secret: "ffeeddccbbaa99887766554433221100" } }).pipe(
        Effect.annotateLogs({ payload: body }),
        Effect.provide(out.layer)
      )
      const raw = out.raw()
      expect(raw).not.toContain("0a0b0c0d")
      expect(raw).not.toContain("99887766")
      expect(out.records()[0]?.payload).toEqual({ identity: "A1B2", line: "77", key: "[redacted]" })
    }))

  it.effect("forwards level, message, annotations, span names, fiber id and the pretty cause", () =>
    Effect.gen(function*() {
      const out = capture()
      yield* Effect.logWarning("queue slow").pipe(
        Effect.annotateLogs("lane", "alarm"),
        Effect.withLogSpan("triage"),
        Effect.provide(out.layer)
      )
      yield* Effect.logError("publish failed", new Error("nats down")).pipe(Effect.provide(out.layer))
      yield* Effect.fail(new Error("boom")).pipe(
        Effect.tapCause((cause) => Effect.logError("gave up", cause)),
        Effect.ignore,
        Effect.provide(out.layer)
      )
      const [warn, error, failed] = out.records()
      expect(warn).toMatchObject({ level: 40, msg: "queue slow", lane: "alarm", service: "test-svc" })
      expect(Object.keys(warn?.spans as object)).toEqual(["triage"])
      expect(warn?.fiber).toMatch(/^#\d+$/)
      expect(error).toMatchObject({ level: 50, msg: "publish failed", data: { type: "Error", message: "nats down" } })
      expect(failed).toMatchObject({ level: 50, msg: "gave up" })
      expect(failed?.cause).toContain("Error: boom")
    }))

  it.effect("drops logs below LOG_LEVEL on the Effect side", () =>
    Effect.gen(function*() {
      const out = capture("warn")
      yield* Effect.gen(function*() {
        yield* Effect.logDebug("noise")
        yield* Effect.logInfo("more noise")
        yield* Effect.logWarning("kept")
      }).pipe(Effect.provide(out.layer))
      expect(out.records().map((r) => r.msg)).toEqual(["kept"])
    }))
})
