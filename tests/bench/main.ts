/** `pnpm bench <name>`: runs one benchmark from this folder. */
const benches: Record<string, string> = {
  audit: "./audit-verify.ts"
}

const name = process.argv[2]
const file = name === undefined ? undefined : benches[name]
if (file === undefined) {
  console.error(`usage: pnpm bench <${Object.keys(benches).join("|")}> [options]`)
  process.exit(2)
}
await import(file)
