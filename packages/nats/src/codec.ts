import { Result, Schema } from "effect"
import { DecodeFailed, EncodeFailed } from "./errors.ts"

/**
 * A schema whose encoded side is plain JSON (as every contract schema is), needing
 * no services. Decoding parses the JSON and decodes it as the encoded form, so error
 * messages read "Expected number at ["n"]" rather than those of a derived JSON codec.
 */
export type WireSchema<A> = Schema.Codec<A, any, never, never>

interface JsonCodec {
  readonly decode: (input: unknown) => Result.Result<unknown, Schema.SchemaError>
  readonly encode: (value: unknown) => Result.Result<unknown, Schema.SchemaError>
}

// Deriving a parser is far more expensive than running it; one per schema, reused on every message.
const codecs = new WeakMap<object, JsonCodec>()

const codecOf = (schema: WireSchema<unknown>): JsonCodec => {
  let codec = codecs.get(schema)
  if (codec === undefined) {
    codec = { decode: Schema.decodeUnknownResult(schema), encode: Schema.encodeUnknownResult(schema) }
    codecs.set(schema, codec)
  }
  return codec
}

const utf8 = new TextEncoder()
const utf8Strict = new TextDecoder("utf-8", { fatal: true })

/** Decodes JSON bytes with the schema; the failure names the JSON error or the schema path. */
export const decodeJson = <A>(schema: WireSchema<A>, bytes: Uint8Array): Result.Result<A, DecodeFailed> => {
  let input: unknown
  try {
    input = JSON.parse(utf8Strict.decode(bytes))
  } catch (error) {
    return Result.fail(
      new DecodeFailed({ kind: "invalid_json", message: `invalid JSON: ${error instanceof Error ? error.message : String(error)}` })
    )
  }
  const decoded = codecOf(schema).decode(input)
  return Result.isSuccess(decoded)
    ? Result.succeed(decoded.success as A)
    : Result.fail(new DecodeFailed({ kind: "schema", message: decoded.failure.message }))
}

/** Encodes a value with the schema to JSON bytes. */
export const encodeJson = <A>(schema: WireSchema<A>, value: A): Result.Result<Uint8Array, EncodeFailed> => {
  const encoded = codecOf(schema).encode(value)
  return Result.isSuccess(encoded)
    ? Result.succeed(utf8.encode(JSON.stringify(encoded.success)))
    : Result.fail(new EncodeFailed({ message: encoded.failure.message }))
}
