import { readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative, resolve, sep } from "node:path"
import { describe, expect, it } from "vitest"
import { parse } from "yaml"

/**
 * Packages are what services are built from, never the other way round: no package under
 * packages/ depends on a service under services/, not in its package.json, not in the lockfile
 * pnpm links by, and not by an import its package.json does not declare (the root node_modules
 * links every workspace member, so such an import would resolve anyway).
 */

const root = resolve(import.meta.dirname, "../..")
const dirsOf = (parent: string) =>
  readdirSync(join(root, parent)).filter((name) => statSync(join(root, parent, name, "package.json"), { throwIfNoEntry: false })?.isFile())
const manifestOf = (dir: string): Record<string, any> => JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"))

const services = dirsOf("services").map((name) => ({ dir: join(root, "services", name), name: manifestOf(`services/${name}`).name as string }))
const packages = dirsOf("packages").map((name) => `packages/${name}`)
const isServiceName = (specifier: string) => services.some((s) => specifier === s.name || specifier.startsWith(`${s.name}/`))

const within = (path: string, dir: string) => path === dir || path.startsWith(`${dir}${sep}`)

const DependencyKinds = ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"] as const

const sourceFiles = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === "node_modules" || entry.name === "dist" || entry.name.startsWith(".")) return []
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return /\.(c|m)?(t|j)sx?$/.test(entry.name) ? [path] : []
  })

// Static and dynamic imports and re-exports: `from "x"`, `import "x"`, `import("x")`.
const specifiers = (source: string) => [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g)].map((m) => m[1]!)

describe("no package depends on a service", () => {
  it("sees the workspace's services and packages", () => {
    expect(services.map((s) => s.name)).toContain("@wt/audit")
    expect(packages).toContain("packages/cli")
  })

  it("no packages/*/package.json lists a service", () => {
    const found = packages.flatMap((dir) => {
      const manifest = manifestOf(dir)
      return DependencyKinds.flatMap((kind) => Object.keys(manifest[kind] ?? {}).filter(isServiceName).map((name) => `${dir} ${kind}: ${name}`))
    })
    expect(found).toEqual([])
  })

  it("no package's importer in pnpm-lock.yaml links a service", () => {
    const lock = parse(readFileSync(join(root, "pnpm-lock.yaml"), "utf8")) as { importers: Record<string, Record<string, Record<string, { version: string }>>> }
    const found = packages.flatMap((dir) => {
      const importer = lock.importers[dir]
      expect(importer, `${dir} is in pnpm-lock.yaml`).toBeDefined()
      return DependencyKinds.flatMap((kind) =>
        Object.entries(importer?.[kind] ?? {})
          .filter(([name, { version }]) => isServiceName(name) || (version.startsWith("link:") && within(resolve(root, dir, version.slice(5)), join(root, "services"))))
          .map(([name, { version }]) => `${dir} ${kind}: ${name} (${version})`)
      )
    })
    expect(found).toEqual([])
  })

  it("no source file under packages/ imports a service, by name or by path", () => {
    const files = packages.flatMap((dir) => sourceFiles(join(root, dir)))
    expect(files.length).toBeGreaterThan(100)
    const found = files.flatMap((file) =>
      specifiers(readFileSync(file, "utf8"))
        .filter((s) => isServiceName(s) || (s.startsWith(".") && services.some((service) => within(resolve(file, "..", s), service.dir))))
        .map((s) => `${relative(root, file)}: ${s}`)
    )
    expect(found).toEqual([])
  })
})
