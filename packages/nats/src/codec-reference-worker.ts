/**
 * For codec.test.ts: how Effect's interpreter decodes JSON with one of `CompiledSchemas`. It runs
 * in a worker thread because compiling a schema's decoding serves every decoder of that schema
 * in the thread; this thread never compiles, so its answers are the interpreter's.
 */
import { parentPort } from "node:worker_threads"
import { CompiledSchemas } from "@wt/contracts/compiled-decoding"
import { Result, Schema, type SchemaAST } from "effect"

export interface ReferenceRequest {
  readonly id: number
  /** Index into `CompiledSchemas`. */
  readonly schema: number
  readonly options: SchemaAST.ParseOptions | undefined
  readonly texts: ReadonlyArray<string>
  /** Rounds over the texts to time for `cpuUsPerDecode`; 0: not timed. */
  readonly rounds: number
}

/** The decoded value as JSON (so key order counts too), or the refusal's message. */
export type Outcome = { readonly ok: true; readonly json: string } | { readonly ok: false; readonly message: string }

export interface ReferenceReply {
  readonly id: number
  readonly outcomes: ReadonlyArray<Outcome>
  /** This thread's CPU µs per decode, JSON already parsed: how fast the interpreter is, for a comparison. */
  readonly cpuUsPerDecode: number
}

/**
 * The thread's CPU µs per decode over `rounds` rounds of `inputs`, after one round to warm up.
 * Summed, not the best round: the kernel may account CPU time only at each clock tick.
 */
export const cpuUsPerDecode = (inputs: ReadonlyArray<unknown>, decode: (input: unknown) => unknown, rounds: number): number => {
  for (const input of inputs) decode(input)
  const t0 = process.threadCpuUsage()
  for (let round = 0; round < rounds; round++) for (const input of inputs) decode(input)
  const spent = process.threadCpuUsage(t0)
  return (spent.user + spent.system) / Math.max(1, inputs.length * rounds)
}

const decoders = new Map<string, (input: unknown) => Result.Result<unknown, Schema.SchemaError>>()

const decoderOf = (schema: number, options: SchemaAST.ParseOptions | undefined) => {
  const key = `${schema} ${JSON.stringify(options)}`
  let decoder = decoders.get(key)
  if (decoder === undefined) {
    decoder = Schema.decodeUnknownResult(CompiledSchemas[schema] as Schema.Codec<unknown>, options)
    decoders.set(key, decoder)
  }
  return decoder
}

// Only as a worker; codec.test.ts imports the module for its timing too.
parentPort?.on("message", (request: ReferenceRequest) => {
  const decode = decoderOf(request.schema, request.options)
  const inputs = request.texts.map((text) => JSON.parse(text) as unknown)
  const results = inputs.map(decode)
  const outcomes = results.map((result): Outcome =>
    Result.isSuccess(result) ? { ok: true, json: JSON.stringify(result.success) } : { ok: false, message: result.failure.message }
  )
  const cpu = request.rounds > 0 ? cpuUsPerDecode(inputs, decode, request.rounds) : 0
  parentPort!.postMessage({ id: request.id, outcomes, cpuUsPerDecode: cpu } satisfies ReferenceReply)
})
