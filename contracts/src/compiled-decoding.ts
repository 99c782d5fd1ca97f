import type { Schema } from "effect"
import { SchemaJITCompiler } from "effect/schema"
import { DeviceEvent, DeviceEventHead, SenderDeviceEvent } from "./device-event.ts"

/**
 * The schemas decoded by Effect's compiled decoder instead of its interpreter: those decoded once
 * for every device event, by the gateway and by each consumer of WT_DEVICE, where decoding was a
 * measured share of their CPU. The compiled decoder builds the same value the interpreter does (in
 * the schema's key order, without the properties the schema drops) and, for input it refuses, runs
 * the detailed decoder, so a refusal reads the same. That is Effect's design, and an unstable part
 * of it: packages/nats/src/codec.test.ts holds every schema listed here, for any options, against
 * the interpreter running in a thread of its own. A schema not listed stays interpreted.
 */
export const CompiledSchemas: ReadonlyArray<Schema.Top> = [DeviceEvent, DeviceEventHead, SenderDeviceEvent]

const compiled = new WeakSet<Schema.Top>()

/**
 * Decodes `schema` compiled from now on if it is listed in `CompiledSchemas`; does nothing otherwise.
 * Call it before the schema's first decode: a decoder that has already run keeps the interpreter.
 * The schema's parts (an `Instant`, a `TenantId`) may then be decoded compiled wherever else they are used.
 */
export const compileDecoding = (schema: Schema.Top): void => {
  if (compiled.has(schema) || !CompiledSchemas.includes(schema)) return
  SchemaJITCompiler.enable(schema.ast)
  compiled.add(schema)
}
