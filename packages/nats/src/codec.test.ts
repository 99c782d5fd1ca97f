import { fileURLToPath } from "node:url"
import { extname } from "node:path"
import { Worker } from "node:worker_threads"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { DeviceEvent, DeviceEventHead, SenderDecodeOptions } from "@wt/contracts"
import { CompiledSchemas, compileDecoding } from "@wt/contracts/compiled-decoding"
import { arbitraryDeviceEvent } from "@wt/contracts/examples"
import { Arbitrary, Effect, Result, Schema, type SchemaAST } from "effect"
import { decodeJson } from "./codec.ts"
import { cpuUsPerDecode, type Outcome, type ReferenceReply, type ReferenceRequest } from "./codec-reference-worker.ts"

// Every listed schema decodes compiled in this thread from here on; the worker's decoders never do.
for (const schema of CompiledSchemas) compileDecoding(schema)

const reference = new Worker(new URL(`./codec-reference-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url))
reference.unref()
afterAll(() => reference.terminate())
const waiting = new Map<number, (reply: ReferenceReply) => void>()
reference.on("message", (reply: ReferenceReply) => {
  waiting.get(reply.id)?.(reply)
  waiting.delete(reply.id)
})
let nextId = 0
const interpreted = (schema: number, options: SchemaAST.ParseOptions | undefined, texts: ReadonlyArray<string>, rounds = 0) =>
  Effect.promise(() =>
    new Promise<ReferenceReply>((resolve) => {
      const id = nextId++
      waiting.set(id, resolve)
      reference.postMessage({ id, schema, options, texts, rounds } satisfies ReferenceRequest)
    })
  )

const utf8 = new TextEncoder()
const outcomeOf = (result: Result.Result<unknown, { readonly message: string }>): Outcome =>
  Result.isSuccess(result) ? { ok: true, json: JSON.stringify(result.success) } : { ok: false, message: result.failure.message }

/** How the consumers decode (`decodeJson`, default options) or, given options, how the gateway does. */
const compiled = (schema: number, options: SchemaAST.ParseOptions | undefined) => {
  const codec = CompiledSchemas[schema] as Schema.Codec<unknown>
  if (options === undefined) return (text: string) => outcomeOf(decodeJson(codec, utf8.encode(text)))
  const decode = Schema.decodeUnknownResult(codec, options)
  return (text: string) => outcomeOf(decode(JSON.parse(text)))
}

type Json = null | boolean | number | string | Array<Json> | { [key: string]: Json }

const Mutation = Schema.Struct({
  kind: Schema.Literals(["none", "drop", "retype", "extra", "unknown-literal", "null", "not-an-object"]),
  /** Which node of the value, modulo the number of nodes the kind applies to. */
  at: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 1_000_000 })),
  junk: Schema.Union([Schema.String, Schema.Finite, Schema.Boolean, Schema.Null]),
  name: Schema.Literals(["occuredAt", "extra", "__proto__", "constructor", "payload", "type", "sos"])
})
type Mutation = typeof Mutation.Type

interface Node {
  readonly value: Json
  readonly parent: Array<Json> | { [key: string]: Json } | undefined
  readonly key: string | number | undefined
}

const nodesOf = (value: Json, parent?: Node["parent"], key?: Node["key"]): Array<Node> => {
  const here: Node = { value, parent, key }
  if (Array.isArray(value)) return [here, ...value.flatMap((v, i) => nodesOf(v, value, i))]
  if (typeof value === "object" && value !== null) return [here, ...Object.entries(value).flatMap(([k, v]) => nodesOf(v, value, k))]
  return [here]
}

const wrongTypeOf = (value: Json, junk: Json): Json =>
  typeof value === "string" ? (typeof junk === "string" ? 128 : junk)
  : typeof value === "number" ? String(value)
  : typeof value === "boolean" ? "true"
  : value === null ? 0
  : Array.isArray(value) ? {}
  : "[object]"

/** Sets a property as JSON.parse would: an own property even when named `__proto__`. */
const setOwn = (target: NonNullable<Node["parent"]>, key: string | number, value: Json) =>
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true })

/** The value with one thing wrong (or nothing), as JSON text. */
const mutated = (value: unknown, mutation: Mutation): string => {
  const root = JSON.parse(JSON.stringify(value)) as Json
  const nodes = nodesOf(root)
  const pick = <A>(candidates: ReadonlyArray<A>): A | undefined =>
    candidates.length === 0 ? undefined : candidates[mutation.at % candidates.length]
  const replace = (node: Node | undefined, by: Json): Json => {
    if (node === undefined) return root
    if (node.parent === undefined) return by
    setOwn(node.parent, node.key!, by)
    return root
  }
  switch (mutation.kind) {
    case "none":
      return JSON.stringify(root)
    case "drop": {
      const node = pick(nodes.filter((n) => n.parent !== undefined && !Array.isArray(n.parent)))
      if (node !== undefined) delete (node.parent as Record<string, Json>)[node.key as string]
      return JSON.stringify(root)
    }
    case "retype": {
      const node = pick(nodes)!
      return JSON.stringify(replace(node, wrongTypeOf(node.value, mutation.junk)))
    }
    case "extra": {
      const node = pick(nodes.filter((n) => typeof n.value === "object" && n.value !== null && !Array.isArray(n.value)))
      if (node !== undefined) setOwn(node.value as Record<string, Json>, mutation.name, mutation.junk)
      return JSON.stringify(root)
    }
    case "unknown-literal":
      return JSON.stringify(replace(pick(nodes.filter((n) => typeof n.value === "string")), "not_a_kind"))
    case "null":
      return JSON.stringify(replace(pick(nodes), null))
    case "not-an-object":
      return JSON.stringify(mutation.at % 2 === 0 ? [root] : mutation.junk)
  }
}

// Values of every listed schema (a head, a sender's event with payload extras) and stored device events.
const values: ReadonlyArray<Arbitrary.Arbitrary<unknown>> = [
  ...CompiledSchemas.map((schema) => Arbitrary.schema(schema as Schema.Codec<unknown>)),
  arbitraryDeviceEvent()
]
const inputs = Arbitrary.all([
  Arbitrary.flatMap(Arbitrary.schema(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: values.length - 1 }))), (i) =>
    Arbitrary.map(values[i]!, (value) => ({ value, own: i }))),
  Arbitrary.schema(Mutation)
])

const optionSets: ReadonlyArray<readonly [string, SchemaAST.ParseOptions | undefined]> = [
  ["decodeJson (default options)", undefined],
  ["the gateway's options", SenderDecodeOptions],
  ["all errors", { errors: "all" }],
  ["excess properties refused, first error", { onExcessProperty: "error" }]
]

describe("compiled decoding of the listed wire schemas", () => {
  for (const [schemaIndex, schema] of CompiledSchemas.entries()) {
    const name = String(schema.ast.annotations?.identifier ?? schemaIndex)
    for (const [label, options] of optionSets) {
      it.effect(`${name}, ${label}: the interpreter's value for any input it accepts, its message for any it refuses`, () =>
        Effect.gen(function*() {
          const decode = compiled(schemaIndex, options)
          const seen = { accepted: 0, refused: 0 }
          const result = yield* Arbitrary.checkEffect(inputs, ([{ own, value }, mutation]) =>
            Effect.gen(function*() {
              const text = mutated(value, mutation)
              const ours = decode(text)
              const [theirs] = (yield* interpreted(schemaIndex, options, [text])).outcomes
              if (ours.ok) seen.accepted++
              else seen.refused++
              // A value of the schema's own, unchanged, is accepted (as JSON can carry it).
              const mustAccept = own === schemaIndex && mutation.kind === "none"
              return JSON.stringify(ours) === JSON.stringify(theirs) && (!mustAccept || ours.ok)
            }), { runs: 1500, concurrency: 8, seed: 22 + schemaIndex })
          assert.strictEqual(Arbitrary.formatCheckFailure(result), undefined)
          // Both answers were exercised, not only one.
          assert.isAbove(seen.accepted, 75)
          assert.isAbove(seen.refused, 75)
        }))
    }
  }

  it.effect("is in use: each schema decodes stored device events faster than the interpreter does", () =>
    Effect.gen(function*() {
      // Without this, an equivalence that held because both sides interpreted would pass unnoticed.
      const texts = (yield* Arbitrary.sampleEffect(arbitraryDeviceEvent(), { count: 3000, seed: 22 })).map((e) => JSON.stringify(e))
      const inputs = texts.map((text) => JSON.parse(text) as unknown)
      const figures: Array<string> = []
      let slowest = Infinity
      for (const [schemaIndex, schema] of CompiledSchemas.entries()) {
        const decode = Schema.decodeUnknownResult(schema as Schema.Codec<unknown>)
        const ours = cpuUsPerDecode(inputs, decode, 30)
        const theirs = (yield* interpreted(schemaIndex, undefined, texts, 30)).cpuUsPerDecode
        figures.push(`${String(schema.ast.annotations?.identifier)}: ${theirs.toFixed(2)} µs interpreted, ${ours.toFixed(2)} µs compiled`)
        slowest = Math.min(slowest, theirs / ours)
      }
      assert.isAbove(slowest, 1.2, figures.join("; "))
    }))

  it("covers the schemas the consumers and the gateway decode for every device event", () => {
    assert.sameMembers(
      CompiledSchemas.map((s) => s.ast.annotations?.identifier),
      ["DeviceEvent", "DeviceEventHead", "SenderDeviceEvent"]
    )
  })
})

describe("a guard in place of decoding", () => {
  // Why the codec does not return the parsed input when `Schema.is` holds: decoding drops what the
  // schema does not name, so the guard's value would carry more than the decoded one.
  const stored = {
    id: "018f0000-0000-7000-8000-000000000007",
    tenant: "demo",
    deviceId: "gps-7",
    occurredAt: "2026-11-25T21:04:05.120Z",
    source: { via: "http" },
    type: "gps",
    payload: { lat: 59.91, lon: 10.75, vendorCode: "A7" }
  }

  it("would keep a payload field DeviceEvent's decoding drops", () => {
    assert.isTrue(Schema.is(DeviceEvent)(stored))
    const decoded = Result.getOrThrow(decodeJson(DeviceEvent, utf8.encode(JSON.stringify(stored))))
    assert.deepStrictEqual(decoded.payload, { lat: 59.91, lon: 10.75 })
  })

  it("would keep the whole event where DeviceEventHead decodes to the head", () => {
    assert.isTrue(Schema.is(DeviceEventHead)(stored))
    const decoded = Result.getOrThrow(decodeJson(DeviceEventHead, utf8.encode(JSON.stringify(stored))))
    assert.notProperty(decoded, "source")
    assert.deepStrictEqual(decoded.payload, {})
  })
})
