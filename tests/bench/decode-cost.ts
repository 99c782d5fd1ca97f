/**
 * `pnpm bench decode [--events N] [--rounds R]`: µs per decode of a device event, as the consumers
 * (`DeviceEvent`, `DeviceEventHead`) and the gateway (`SenderDeviceEvent`) decode it, by way of decoding.
 * Each way runs in a process of its own. The contracts compile these schemas' decoders when they are
 * loaded (Effect's JIT compiler, device-event.ts); a decode with `errors: "all"` still takes the
 * interpreted decoder, which is how the "interpreted" figures are taken.
 */
import { Buffer } from "node:buffer"
import { execFileSync } from "node:child_process"
import { parseArgs } from "node:util"
import { DeviceEvent, DeviceEventHead, SenderDecodeOptions, SenderDeviceEvent } from "@wt/contracts"
import { decodeJson } from "@wt/nats"
import { demoSimFleet, makeFleetEvents } from "@wt/sim-devices"
import { Exit, Result, Schema } from "effect"
import { decodeSenderEvent } from "../../services/gateway/src/ingest-batch.ts"
import { stormEvents } from "./storm-events.ts"

const { values } = parseArgs({
  args: process.argv.slice(3),
  options: {
    events: { type: "string", default: "20000" },
    rounds: { type: "string", default: "10" },
    way: { type: "string" },
    schema: { type: "string" }
  }
})
const count = Number(values.events)
const rounds = Number(values.rounds)

const schemas = {
  DeviceEvent: { schema: DeviceEvent, options: undefined },
  DeviceEventHead: { schema: DeviceEventHead, options: undefined },
  SenderDeviceEvent: { schema: SenderDeviceEvent, options: SenderDecodeOptions }
} as const
type SchemaName = keyof typeof schemas

// "decodeJson" is the whole of what a consumer does: bytes to text, JSON.parse, compiled decode.
// "gateway": SenderDeviceEvent as the gateway checks it (decodeSenderEvent: unknown properties looked
// for by name, then the compiled guard; the strict, interpreted decode only for what that refuses).
const ways = ["interpreted", "compiled", "compiled-is-guard", "decodeJson", "gateway"] as const
type Way = (typeof ways)[number]

/** The fleet's mixed traffic and a reconnect storm's heartbeats and positions, half and half, as JSON. */
const wireEvents = (sender: boolean): ReadonlyArray<string> => {
  const fleet = demoSimFleet({ residents: 500 })
  const source = Result.getOrThrow(makeFleetEvents(fleet, { seed: 7 }))
  const start = Date.parse("2026-12-05T00:00:00.000Z")
  const mixed = Array.from({ length: Math.ceil(count / 2) }, (_, i) => source.next(start + i * 50))
  const storm = stormEvents(fleet, Math.floor(count / 2), 1, start).events
  return [...mixed, ...storm].slice(0, count).map((event) =>
    // The gateway stamps receivedAt; a sender does not send it.
    JSON.stringify(sender ? event : { ...event, receivedAt: new Date(start).toISOString() })
  )
}

const measure = (name: SchemaName, way: Way) => {
  const { options, schema } = schemas[name]
  const texts = wireEvents(name === "SenderDeviceEvent")
  const inputs = texts.map((text) => JSON.parse(text) as unknown)
  const bytes = texts.map((text) => new TextEncoder().encode(text))
  const decode = Schema.decodeUnknownResult(schema as Schema.Codec<unknown>, way === "interpreted" ? { ...options, errors: "all" } : options)
  const is = Schema.is(schema)
  if (way === "gateway" && name !== "SenderDeviceEvent") return Number.NaN
  const once: () => number = way === "gateway"
    ? () => {
      let ok = 0
      for (const input of inputs) if (Exit.isSuccess(decodeSenderEvent(input))) ok++
      return ok
    }
    : way === "decodeJson"
    ? () => {
      let ok = 0
      for (const b of bytes) if (Result.isSuccess(decodeJson(schema as Schema.Codec<unknown>, b))) ok++
      return ok
    }
    : way === "compiled-is-guard"
    ? () => {
      let ok = 0
      for (const input of inputs) if (is(input)) ok++
      return ok
    }
    : () => {
      let ok = 0
      for (const input of inputs) if (Result.isSuccess(decode(input))) ok++
      return ok
    }
  const warm = once()
  if (warm !== inputs.length) throw new Error(`${name} ${way}: ${inputs.length - warm} of ${inputs.length} refused`)
  // CPU time, not wall time: other processes on the machine would otherwise count as decoding.
  // Summed over the rounds, not the best one: the kernel may account CPU time only at each clock tick.
  const t0 = process.cpuUsage()
  for (let round = 0; round < rounds; round++) once()
  const spent = process.cpuUsage(t0)
  return (spent.user + spent.system) / (inputs.length * rounds)
}

if (values.way !== undefined) {
  const us = measure(values.schema as SchemaName, values.way as Way)
  process.stdout.write(Number.isNaN(us) ? "-\n" : `${us.toFixed(2)}\n`)
} else {
  console.log(`[decode] ${count} events, ${rounds} rounds after one to warm up; CPU µs per decode`)
  console.log(`[decode] ${"schema".padEnd(18)} ${ways.map((w) => w.padStart(18)).join("")}`)
  for (const name of Object.keys(schemas) as Array<SchemaName>) {
    const figures = ways.map((way) =>
      execFileSync(process.execPath, [process.argv[1]!, "decode", ...process.argv.slice(3), "--schema", name, "--way", way], {
        encoding: "utf8"
      }).trim()
    )
    console.log(`[decode] ${name.padEnd(18)} ${figures.map((f) => f.padStart(18)).join("")}`)
  }
  // The other way, as ingest stores each accepted event (`storedBytes`): its JSON to bytes.
  const texts = wireEvents(false)
  const encoder = new TextEncoder()
  const encodeOnce = (encode: (text: string) => Uint8Array) => {
    const t0 = process.cpuUsage()
    let bytes = 0
    for (let round = 0; round < rounds; round++) for (const text of texts) bytes += encode(text).length
    const spent = process.cpuUsage(t0)
    return { us: (spent.user + spent.system) / (texts.length * rounds), bytes }
  }
  const encoders = { TextEncoder: (text: string) => encoder.encode(text), "Buffer.from": (text: string) => Buffer.from(text, "utf8") }
  // Once each to warm up, then measured.
  for (const encode of Object.values(encoders)) encodeOnce(encode)
  const figures = Object.entries(encoders).map(([way, encode]) => `${way} ${encodeOnce(encode).us.toFixed(2)}`)
  console.log(`[decode] an event's JSON to the bytes stored, CPU µs per event: ${figures.join(", ")}`)
}
