// Writes contracts/json-schema/*.json from the Effect Schemas. CI checks they are current.
import { writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { publishedSchemas, renderJsonSchema } from "../src/json-schema.ts"

const dir = fileURLToPath(new URL("../json-schema/", import.meta.url))
for (const name of Object.keys(publishedSchemas) as Array<keyof typeof publishedSchemas>) {
  writeFileSync(dir + name, renderJsonSchema(name))
  console.log(`wrote contracts/json-schema/${name}`)
}
