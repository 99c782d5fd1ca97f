import { readdirSync } from "node:fs"
import { join } from "node:path"

/** Every TypeScript and JavaScript source under `dir`, leaving out node_modules, dist and dot-folders. */
export const sourceFiles = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === "node_modules" || entry.name === "dist" || entry.name.startsWith(".")) return []
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return /\.(c|m)?(t|j)sx?$/.test(entry.name) ? [path] : []
  })

/** Static and dynamic imports and re-exports: `from "x"`, `import "x"`, `import("x")`. */
export const specifiers = (source: string) => [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g)].map((m) => m[1]!)
