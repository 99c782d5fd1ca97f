import { readFileSync } from "node:fs"
import { join, relative, resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { sourceFiles } from "./source-files.ts"

/**
 * Effect's own idioms, kept across the tree (issue 26): a named function that does nothing but
 * return `Effect.gen(...)` is written `Effect.fn("Module.name")(function*(...) {...})` (or
 * `Effect.fnUntraced` on a hot path), which names its span and stack frame and reuses the body;
 * an error is a `Schema.TaggedError` class, so it can be matched by its tag, never a bare
 * `Error` subclass, `Data.TaggedError`/`Data.Error`, or `Effect.fail(new Error(...))`.
 *
 * TypeScript here (7.x) has no JS API to parse with, so this reads the source text: enough to
 * find parameter lists over several lines, generics and return-type annotations.
 */
const root = resolve(import.meta.dirname, "../..")
const roots = ["packages", "services", "simulators", "deploy", "tests"]
const excluded = (path: string) => /\.test\.[cm]?tsx?$/.test(path) || /\.d\.[cm]?ts$/.test(path) || path.startsWith("services/console/web/")

const lineAt = (source: string, index: number) => source.slice(0, index).split("\n").length

/** The index just past the bracket closing the one at `open`, or -1 (a bounded scan: no strings or comments are parsed). */
const closing = (source: string, open: number, limit = 4_000) => {
  let depth = 0
  for (let i = open; i < source.length && i < open + limit; i++) {
    const c = source[i]
    if (c === "(" || c === "{" || c === "[") depth++
    else if (c === ")" || c === "}" || c === "]") {
      depth--
      if (depth === 0) return i + 1
    }
  }
  return -1
}

/** After a parameter list ending at `at`: an optional return-type annotation, then `=>`; the index past the arrow, or -1. */
const arrowAfter = (source: string, at: number) => {
  let i = at
  while (/\s/.test(source[i] ?? "")) i++
  if (source.startsWith("=>", i)) return i + 2
  if (source[i] !== ":") return -1
  let depth = 0
  for (i++; i < source.length && i < at + 2_000; i++) {
    if (source.startsWith("=>", i)) {
      if (depth === 0) return i + 2
      i++
      continue
    }
    const c = source[i]!
    if ("<([{".includes(c)) depth++
    else if (">)]}".includes(c)) depth--
    // A `;`, `=` or a closing bracket at the top level: not an annotated arrow after all.
    if (depth < 0 || (depth === 0 && (c === ";" || c === "="))) return -1
  }
  return -1
}

/** After a function declaration's parameter list: an optional annotation, then a body that begins with `return`; its index, or -1. */
const bodyAfter = (source: string, at: number) => {
  let i = at
  while (/\s/.test(source[i] ?? "")) i++
  if (source[i] === ":") {
    let depth = 0
    for (i++; i < source.length && i < at + 2_000; i++) {
      if (source.startsWith("=>", i)) {
        i++
        continue
      }
      const c = source[i]!
      if (c === "{" && depth === 0) break
      if ("<([{".includes(c)) depth++
      else if (">)]}".includes(c)) depth--
      if (depth < 0) return -1
    }
  }
  return source[i] === "{" ? i + 1 : -1
}

const startsWithGen = (source: string, at: number) => /^\s*(?:\{\s*return\s+)?Effect\.gen\(/.test(source.slice(at, at + 200))
const startsWithReturnGen = (source: string, at: number) => /^\s*return\s+Effect\.gen\(/.test(source.slice(at, at + 200))

/**
 * Named functions whose whole body is `Effect.gen(...)` (perhaps piped on): `const x = (...) =>
 * Effect.gen(` (or `=> { return Effect.gen(`), a property `x: (...) => Effect.gen(`, and
 * `function x(...) { return Effect.gen(`, each maybe generic, async or annotated with a return type.
 */
export const genWrappers = (source: string): Array<{ readonly name: string; readonly line: number }> => {
  const found: Array<{ name: string; line: number }> = []
  const arrows = /(?:\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=|(?:^|[{,(\s])([A-Za-z_$][\w$]*)\s*:)\s*(?:async\s*)?(?:<[^()=;]*?>\s*)?\(/gm
  for (const m of source.matchAll(arrows)) {
    const open = m.index + m[0].length - 1
    const close = closing(source, open)
    if (close < 0) continue
    const arrow = arrowAfter(source, close)
    if (arrow >= 0 && startsWithGen(source, arrow)) {
      const name = (m[1] ?? m[2])!
      found.push({ name, line: lineAt(source, m.index + m[0].indexOf(name)) })
    }
  }
  const declarations = /\bfunction\s+([A-Za-z_$][\w$]*)\s*(?:<[^()=;]*?>\s*)?\(/g
  for (const m of source.matchAll(declarations)) {
    const open = m.index + m[0].length - 1
    const close = closing(source, open)
    if (close < 0) continue
    const body = bodyAfter(source, close)
    if (body >= 0 && startsWithReturnGen(source, body)) found.push({ name: m[1]!, line: lineAt(source, m.index) })
  }
  return found.sort((a, b) => a.line - b.line)
}

/** Error classes that are not `Schema.TaggedError`: `extends Error`, `Data.TaggedError(...)`, `Data.Error`. */
export const untaggedErrorClasses = (source: string) =>
  [...source.matchAll(/\bclass\s+([A-Za-z_$][\w$]*)(?:\s*<[^{]*?>)?\s+extends\s+((?:globalThis\.)?Error|Data\.TaggedError|Data\.Error)\b/g)]
    .map((m) => ({ name: m[1]!, base: m[2]!, line: lineAt(source, m.index) }))

/** `Effect.fail(new Error(...))`: a failure with no tag to catch it by. */
export const plainFailures = (source: string) =>
  [...source.matchAll(/\bEffect\.fail\(\s*new\s+Error\(/g)].map((m) => ({ line: lineAt(source, m.index) }))

const violations = (file: string, source: string) => [
  ...genWrappers(source).map((w) => `${file}:${w.line}: ${w.name} only wraps Effect.gen: write it Effect.fn("Module.${w.name}")(function*(...) {...}) (Effect.fnUntraced on a hot path)`),
  ...untaggedErrorClasses(source).map((c) => `${file}:${c.line}: class ${c.name} extends ${c.base}: make it a Schema.TaggedError`),
  ...plainFailures(source).map((f) => `${file}:${f.line}: Effect.fail(new Error(...)): fail with a Schema.TaggedError`)
]

const planted = `
import { Data, Effect, Schema } from "effect"

export const wraps = (a: number) =>
  Effect.gen(function*() {
    return a
  })

const overLines = <A, E>(
  first: Effect.Effect<A, E>,
  second: { readonly f: (x: number) => string }
): Effect.Effect<A, E> =>
  Effect.gen(function*() {
    return yield* first
  }).pipe(Effect.withSpan("x"))

const service = {
  run: (target: { name: string }) => Effect.gen(function*() {
    return target.name
  }),
  other: Effect.fn("S.other")(function*() {})
}

function declared<A>(value: A): Effect.Effect<A> {
  return Effect.gen(function*() {
    return value
  })
}

const block = (a: number) => {
  return Effect.gen(function*() { return a })
}

class Plain extends Error {}
class Tagged extends Data.TaggedError("Tagged")<{ readonly message: string }> {}
class Untagged extends Data.Error<{ readonly message: string }> {}
class Good extends Schema.TaggedError<Good>()("Good", { message: Schema.String }) {}

const failing = Effect.fail(new Error("no tag"))
const failingOverLines = Effect.fail(
  new Error("no tag either")
)

// Not wrappers: a function that does more, an anonymous arrow, a value, and Effect.fn itself.
const scoped = (a: number) => Effect.scoped(Effect.gen(function*() { return a }))
const more = (a: number) => {
  const b = a + 1
  return Effect.gen(function*() { return b })
}
const each = Effect.forEach([1, 2], (n) => Effect.gen(function*() { return n }))
const value = Effect.gen(function*() { return 1 })
const traced = Effect.fn("M.traced")(function*(a: number) { return a })
const typed: { readonly f: (a: number) => Effect.Effect<number> } = { f: (a) => Effect.succeed(a) }
const good = Effect.fail(new Good({ message: "tagged" }))
`

describe("Effect's own idioms", () => {
  it("finds planted wrappers (over several lines, generic, annotated, as a property, a declaration and a block body) and nothing else", () => {
    expect(genWrappers(planted).map((w) => `${w.line} ${w.name}`)).toEqual(["4 wraps", "9 overLines", "18 run", "24 declared", "30 block"])
  })

  it("finds planted Error, Data.TaggedError and Data.Error classes but not Schema.TaggedError", () => {
    expect(untaggedErrorClasses(planted).map((c) => `${c.line} ${c.name} ${c.base}`)).toEqual([
      "34 Plain Error",
      "35 Tagged Data.TaggedError",
      "36 Untagged Data.Error"
    ])
  })

  it("finds planted Effect.fail(new Error(...)), on one line or over two", () => {
    expect(plainFailures(planted).map((f) => f.line)).toEqual([39, 40])
  })

  it("names file:line of each planted example", () => {
    const found = violations("planted.ts", planted)
    expect(found).toHaveLength(10)
    expect(found[0]).toMatch(/^planted\.ts:4: wraps only wraps Effect\.gen/)
  })

  it("no source file wraps Effect.gen in a named function or uses untagged errors", () => {
    const files = roots.flatMap((dir) => sourceFiles(join(root, dir)))
      .map((file) => relative(root, file))
      .filter((file) => /\.[cm]?tsx?$/.test(file) && !excluded(file))
    expect(files.length).toBeGreaterThan(200)
    const found = files.flatMap((file) => violations(file, readFileSync(join(root, file), "utf8")))
    expect(found).toEqual([])
  })
})
