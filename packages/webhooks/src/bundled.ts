import { Result } from "effect"
import demoDispenser from "../vendors/demo-dispenser.json" with { type: "json" }
import demoSensors from "../vendors/demo-sensors.json" with { type: "json" }
import { loadVendorMapping, type LoadedMapping } from "./vendor-mapping.ts"

/** The mapping files shipped in packages/webhooks/vendors, as parsed JSON, not yet checked. */
export const BundledVendorMappings: ReadonlyArray<unknown> = [demoDispenser, demoSensors]

/**
 * Checks every given mapping (the bundled ones by default) at start: all of them load, or the
 * messages of every one refused come back, so a receiver refuses to start on a bad file.
 */
export const loadBundledVendorMappings = (mappings: ReadonlyArray<unknown> = BundledVendorMappings): Result.Result<ReadonlyMap<string, LoadedMapping>, ReadonlyArray<string>> => {
  const loaded = new Map<string, LoadedMapping>()
  const problems: Array<string> = []
  for (const json of mappings) {
    const result = loadVendorMapping(json)
    if (Result.isFailure(result)) problems.push(result.failure)
    else if (loaded.has(result.success.mapping.vendor)) problems.push(`vendor "${result.success.mapping.vendor}" is mapped twice`)
    else loaded.set(result.success.mapping.vendor, result.success)
  }
  return problems.length > 0 ? Result.fail(problems) : Result.succeed(loaded)
}
