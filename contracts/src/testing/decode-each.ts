/**
 * Reads a JSON array of inputs on stdin and writes, for each, how each device-event schema decodes
 * it: `[ok, value]` per schema. Run by compiled-decoders.test.ts in a process of its own, with or
 * without WT_SCHEMA_INTERPRETED=1, to hold the compiled decoders to the interpreted ones.
 */
import { readFileSync } from "node:fs"
import { Exit, Schema } from "effect"
import { DeviceEvent, DeviceEventHead, SenderDeviceEvent } from "../device-event.ts"

const decoders = [DeviceEvent, DeviceEventHead, SenderDeviceEvent].map((schema) => Schema.decodeUnknownExit(schema as Schema.Codec<unknown>))
const isSender = Schema.is(SenderDeviceEvent)
const inputs = JSON.parse(readFileSync(0, "utf8")) as ReadonlyArray<unknown>
const results = inputs.map((input) => [
  ...decoders.map((decode) => {
    const exit = decode(input)
    return Exit.isSuccess(exit) ? [true, exit.value] : [false, null]
  }),
  isSender(input)
])
process.stdout.write(JSON.stringify(results))
