import { Schema } from "effect"
import { stringify } from "yaml"

/**
 * A renderer for the part of Helm's template language (Go's text/template with a few of Sprig's
 * and Helm's functions) that deploy/helm/wt uses, for tests on a machine with no `helm` binary
 * (none is in the npm or Debian registries). Anything outside that part is an error, never
 * silently rendered: an unknown function, action or syntax throws, naming the template.
 *
 * Actions: `{{ pipeline }}`, `{{- … -}}` trimming, `{{/* comment *\/}}`, `$x := …`, `$x = …`,
 * `if`/`else if`/`else`/`end`, `range` (a list, or a map in key order, with `$k, $v :=`), `with`,
 * `define`. Functions: include, toYaml, nindent, indent, quote, squote, default, required, printf,
 * eq, ne, lt, gt, and, or, not, empty, trunc, trimSuffix, replace, lower, upper, list, dict,
 * toString, int, hasKey, b64enc, sha256sum-free.
 */

type Token =
  | { kind: "field"; path: ReadonlyArray<string> }
  | { kind: "var"; name: string; path: ReadonlyArray<string> }
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "ident"; name: string }
  | { kind: "punct"; value: "(" | ")" | "|" | ":=" | "=" | "," }

type Operand =
  | { kind: "field"; path: ReadonlyArray<string> }
  | { kind: "var"; name: string; path: ReadonlyArray<string> }
  | { kind: "literal"; value: unknown }
  | { kind: "ident"; name: string }
  | { kind: "sub"; pipeline: Pipeline }
interface Command {
  readonly operands: ReadonlyArray<Operand>
}
interface Pipeline {
  readonly declare?: { readonly names: ReadonlyArray<string>; readonly assign: boolean }
  readonly commands: ReadonlyArray<Command>
}

type Node =
  | { kind: "text"; text: string }
  | { kind: "action"; pipeline: Pipeline }
  | { kind: "if"; branches: Array<{ pipeline: Pipeline; body: Array<Node> }>; otherwise: Array<Node> }
  | { kind: "range"; pipeline: Pipeline; body: Array<Node>; otherwise: Array<Node> }
  | { kind: "with"; pipeline: Pipeline; body: Array<Node>; otherwise: Array<Node> }

class TemplateError extends Schema.TaggedError<TemplateError>()("TemplateError", { message: Schema.String }) {}

const tokenize = (source: string, where: string): Array<Token> => {
  const tokens: Array<Token> = []
  let i = 0
  const path = (text: string) => text.split(".").filter((p) => p !== "")
  while (i < source.length) {
    const c = source[i]!
    if (/\s/u.test(c)) {
      i++
      continue
    }
    if (c === "\"") {
      let j = i + 1
      while (j < source.length && source[j] !== "\"") j += source[j] === "\\" ? 2 : 1
      tokens.push({ kind: "string", value: JSON.parse(source.slice(i, j + 1)) as string })
      i = j + 1
      continue
    }
    if (c === "`") {
      const j = source.indexOf("`", i + 1)
      tokens.push({ kind: "string", value: source.slice(i + 1, j) })
      i = j + 1
      continue
    }
    if (source.startsWith(":=", i)) {
      tokens.push({ kind: "punct", value: ":=" })
      i += 2
      continue
    }
    if ("()|=,".includes(c)) {
      tokens.push({ kind: "punct", value: c as "(" })
      i++
      continue
    }
    const word = /^[A-Za-z0-9_.$-]+/u.exec(source.slice(i))?.[0]
    if (word === undefined) throw new TemplateError({ message: `${where}: cannot read "${source.slice(i, i + 20)}"` })
    i += word.length
    if (word.startsWith(".")) tokens.push({ kind: "field", path: path(word) })
    else if (word.startsWith("$")) {
      const [name, ...rest] = word.split(".")
      tokens.push({ kind: "var", name: name!, path: rest })
    } else if (/^-?[0-9]+(\.[0-9]+)?$/u.test(word)) tokens.push({ kind: "number", value: Number(word) })
    else tokens.push({ kind: "ident", name: word })
  }
  return tokens
}

const parsePipeline = (tokens: Array<Token>, where: string): Pipeline => {
  let at = 0
  let declare: Pipeline["declare"]
  // `$a := …`, `$a, $b := …`, `$a = …`
  const assignAt = tokens.findIndex((t) => t.kind === "punct" && (t.value === ":=" || t.value === "="))
  if (assignAt > 0 && tokens.slice(0, assignAt).every((t) => t.kind === "var" || (t.kind === "punct" && t.value === ","))) {
    declare = {
      names: tokens.slice(0, assignAt).filter((t): t is Extract<Token, { kind: "var" }> => t.kind === "var").map((t) => t.name),
      assign: (tokens[assignAt] as { value: string }).value === "="
    }
    at = assignAt + 1
  }
  const pipeline = (): Pipeline => {
    const commands: Array<Command> = []
    let operands: Array<Operand> = []
    while (at < tokens.length) {
      const token = tokens[at]!
      if (token.kind === "punct" && token.value === ")") break
      at++
      if (token.kind === "punct" && token.value === "|") {
        commands.push({ operands })
        operands = []
      } else if (token.kind === "punct" && token.value === "(") {
        operands.push({ kind: "sub", pipeline: pipeline() })
        const close = tokens[at++]
        if (close?.kind !== "punct" || close.value !== ")") throw new TemplateError({ message: `${where}: unclosed (` })
      } else if (token.kind === "punct") throw new TemplateError({ message: `${where}: unexpected ${token.value}` })
      else if (token.kind === "string" || token.kind === "number") operands.push({ kind: "literal", value: token.value })
      else if (token.kind === "ident" && ["true", "false", "nil"].includes(token.name)) {
        operands.push({ kind: "literal", value: token.name === "nil" ? null : token.name === "true" })
      } else operands.push(token)
    }
    if (operands.length === 0) throw new TemplateError({ message: `${where}: empty command` })
    commands.push({ operands })
    return { commands }
  }
  const body = pipeline()
  if (at !== tokens.length) throw new TemplateError({ message: `${where}: unexpected )` })
  return declare === undefined ? body : { declare, commands: body.commands }
}

/** Splits a template into text and actions, applying `{{-` and `-}}` trimming. */
const lex = (source: string, where: string): Array<{ kind: "text"; text: string } | { kind: "action"; body: string }> => {
  const parts: Array<{ kind: "text"; text: string } | { kind: "action"; body: string }> = []
  let i = 0
  let trimNext = false
  while (i < source.length) {
    const open = source.indexOf("{{", i)
    let text = source.slice(i, open < 0 ? source.length : open)
    if (trimNext) text = text.replace(/^\s+/u, "")
    trimNext = false
    if (open < 0) {
      parts.push({ kind: "text", text })
      break
    }
    const close = source.indexOf("}}", open)
    if (close < 0) throw new TemplateError({ message: `${where}: unclosed {{` })
    let body = source.slice(open + 2, close)
    if (body.startsWith("- ") || body === "-") {
      text = text.replace(/\s+$/u, "")
      body = body.slice(1)
    }
    if (body.endsWith(" -")) {
      trimNext = true
      body = body.slice(0, -1)
    }
    parts.push({ kind: "text", text })
    body = body.trim()
    if (!(body.startsWith("/*") && body.endsWith("*/"))) parts.push({ kind: "action", body })
    i = close + 2
  }
  return parts
}

const parse = (source: string, where: string, defines: Map<string, Array<Node>>): Array<Node> => {
  const parts = lex(source, where)
  let at = 0
  const block = (stopAt: ReadonlyArray<string>): { nodes: Array<Node>; stop: string } => {
    const nodes: Array<Node> = []
    while (at < parts.length) {
      const part = parts[at++]!
      if (part.kind === "text") {
        if (part.text !== "") nodes.push({ kind: "text", text: part.text })
        continue
      }
      const keyword = /^(if|else if|else|end|range|with|define)\b/u.exec(part.body)?.[1]
      if (keyword === undefined) {
        nodes.push({ kind: "action", pipeline: parsePipeline(tokenize(part.body, where), where) })
        continue
      }
      const rest = part.body.slice(keyword.length).trim()
      if (stopAt.includes(keyword)) {
        at--
        parts[at] = { kind: "action", body: rest === "" ? "" : rest }
        return { nodes, stop: keyword }
      }
      if (keyword === "end" || keyword === "else" || keyword === "else if") throw new TemplateError({ message: `${where}: unexpected {{ ${keyword} }}` })
      if (keyword === "define") {
        const name = JSON.parse(rest) as string
        const { nodes: body } = expectEnd(block(["end"]))
        defines.set(name, body)
        continue
      }
      const pipeline = parsePipeline(tokenize(rest, where), where)
      if (keyword === "if") {
        const branches = [{ pipeline, body: [] as Array<Node> }]
        let otherwise: Array<Node> = []
        while (true) {
          const inner = block(["else if", "else", "end"])
          if (inner.stop === "else if") {
            branches.at(-1)!.body = inner.nodes
            const condition = (parts[at++] as { body: string }).body
            branches.push({ pipeline: parsePipeline(tokenize(condition, where), where), body: [] })
            continue
          }
          if (inner.stop === "else") {
            branches.at(-1)!.body = inner.nodes
            at++
            otherwise = expectEnd(block(["end"])).nodes
            break
          }
          branches.at(-1)!.body = inner.nodes
          at++
          break
        }
        nodes.push({ kind: "if", branches, otherwise })
      } else {
        const inner = block(["else", "end"])
        at++
        const otherwise = inner.stop === "else" ? expectEnd(block(["end"])).nodes : []
        nodes.push({ kind: keyword as "range" | "with", pipeline, body: inner.nodes, otherwise })
      }
    }
    if (stopAt.length > 0) throw new TemplateError({ message: `${where}: missing {{ end }}` })
    return { nodes, stop: "" }
  }
  const expectEnd = (result: { nodes: Array<Node>; stop: string }) => {
    if (result.stop !== "end") throw new TemplateError({ message: `${where}: expected {{ end }}` })
    at++
    return result
  }
  return block([]).nodes
}

const isEmpty = (value: unknown): boolean =>
  value === undefined || value === null || value === false || value === 0 || value === "" ||
  (Array.isArray(value) && value.length === 0) ||
  (typeof value === "object" && !Array.isArray(value) && Object.keys(value as object).length === 0)

const printed = (value: unknown, where: string): string => {
  if (value === undefined || value === null) return ""
  if (typeof value === "object") throw new TemplateError({ message: `${where}: a map or list printed as text (use toYaml)` })
  return String(value)
}

const indentLines = (n: number, text: string) => text.split("\n").map((line) => (line === "" ? line : " ".repeat(n) + line)).join("\n")

const printf = (format: string, ...args: Array<unknown>) => {
  let i = 0
  return format.replace(/%[sdvq%]/gu, (spec) => (spec === "%%" ? "%" : spec === "%q" ? JSON.stringify(String(args[i++])) : String(args[i++])))
}

export interface ChartContext {
  readonly Values: unknown
  readonly Release: { readonly Name: string; readonly Namespace: string; readonly Service: string }
  readonly Chart: { readonly Name: string; readonly Version: string; readonly AppVersion: string }
}

/** Renders every template of a chart (file name → source) with its `_*.tpl` helpers; files starting with `_` render nothing. */
export const renderChart = (templates: ReadonlyMap<string, string>, context: ChartContext): Map<string, string> => {
  const defines = new Map<string, Array<Node>>()
  const parsed = new Map<string, Array<Node>>()
  for (const [name, source] of templates) parsed.set(name, parse(source, name, defines))

  const run = (nodes: ReadonlyArray<Node>, dot: unknown, vars: Map<string, unknown>, where: string): string => {
    let out = ""
    const field = (base: unknown, path: ReadonlyArray<string>) =>
      path.reduce<unknown>((at, key) => (at !== null && typeof at === "object" ? (at as Record<string, unknown>)[key] : undefined), base)
    const functions: Record<string, (...args: Array<any>) => unknown> = {
      include: (name: string, data: unknown) => {
        const body = defines.get(name)
        if (body === undefined) throw new TemplateError({ message: `${where}: no template "${name}"` })
        return run(body, data, new Map([["$", data]]), `${where} > ${name}`)
      },
      toYaml: (value: unknown) => (value === undefined || value === null ? "" : stringify(value, { lineWidth: 0 }).replace(/\n$/u, "")),
      nindent: (n: number, text: string) => `\n${indentLines(n, String(text))}`,
      indent: (n: number, text: string) => indentLines(n, String(text)),
      quote: (...values: Array<unknown>) => values.map((v) => JSON.stringify(v === undefined || v === null ? "" : String(v))).join(" "),
      squote: (value: unknown) => `'${String(value ?? "")}'`,
      default: (fallback: unknown, value?: unknown) => (isEmpty(value) ? fallback : value),
      required: (message: string, value: unknown) => {
        if (value === undefined || value === null || value === "") throw new TemplateError({ message: `${where}: ${message}` })
        return value
      },
      printf,
      eq: (a: unknown, ...bs: Array<unknown>) => bs.some((b) => a === b),
      ne: (a: unknown, b: unknown) => a !== b,
      lt: (a: number, b: number) => a < b,
      gt: (a: number, b: number) => a > b,
      and: (...values: Array<unknown>) => values.find(isEmpty) ?? values.at(-1),
      or: (...values: Array<unknown>) => values.find((v) => !isEmpty(v)) ?? values.at(-1),
      not: (value: unknown) => isEmpty(value),
      empty: (value: unknown) => isEmpty(value),
      trunc: (n: number, text: string) => String(text).slice(0, n),
      trimSuffix: (suffix: string, text: string) => (String(text).endsWith(suffix) ? String(text).slice(0, -suffix.length) : String(text)),
      replace: (from: string, to: string, text: string) => String(text).replaceAll(from, to),
      lower: (text: string) => String(text).toLowerCase(),
      upper: (text: string) => String(text).toUpperCase(),
      list: (...values: Array<unknown>) => values,
      dict: (...pairs: Array<unknown>) => Object.fromEntries(Array.from({ length: pairs.length / 2 }, (_, i) => [String(pairs[2 * i]), pairs[2 * i + 1]])),
      toString: (value: unknown) => printed(value, where),
      int: (value: unknown) => Math.trunc(Number(value)),
      hasKey: (map: Record<string, unknown>, key: string) => map !== null && typeof map === "object" && key in map,
      b64enc: (text: string) => Buffer.from(String(text)).toString("base64")
    }
    const operand = (o: Operand): unknown => {
      switch (o.kind) {
        case "field":
          return field(dot, o.path)
        case "var": {
          if (!vars.has(o.name)) throw new TemplateError({ message: `${where}: undefined variable ${o.name}` })
          return field(vars.get(o.name), o.path)
        }
        case "literal":
          return o.value
        case "sub":
          return pipeline(o.pipeline)
        case "ident":
          if (!(o.name in functions)) throw new TemplateError({ message: `${where}: function "${o.name}" not defined` })
          return functions[o.name]!()
      }
    }
    const pipeline = (p: Pipeline): unknown => {
      let value: unknown = undefined
      p.commands.forEach((command, index) => {
        const [first, ...rest] = command.operands
        if (first!.kind === "ident") {
          const fn = functions[first!.name]
          if (fn === undefined) throw new TemplateError({ message: `${where}: function "${first!.name}" not defined` })
          const args = rest.map(operand)
          value = fn(...(index > 0 ? [...args, value] : args))
        } else {
          if (rest.length > 0 || index > 0) throw new TemplateError({ message: `${where}: cannot call a value` })
          value = operand(first!)
        }
      })
      if (p.declare !== undefined) {
        for (const name of p.declare.names) {
          if (p.declare.assign && !vars.has(name)) throw new TemplateError({ message: `${where}: undefined variable ${name}` })
          vars.set(name, value)
        }
      }
      return value
    }
    for (const node of nodes) {
      switch (node.kind) {
        case "text":
          out += node.text
          break
        case "action": {
          const value = pipeline(node.pipeline)
          if (node.pipeline.declare === undefined) out += printed(value, where)
          break
        }
        case "if": {
          const taken = node.branches.find((b) => !isEmpty(pipeline(b.pipeline)))
          out += run(taken?.body ?? node.otherwise, dot, vars, where)
          break
        }
        case "with": {
          const scoped = new Map(vars)
          const value = pipeline(node.pipeline)
          out += isEmpty(value) ? run(node.otherwise, dot, vars, where) : run(node.body, value, scoped, where)
          break
        }
        case "range": {
          const declared = node.pipeline.declare?.names ?? []
          const value = pipeline({ commands: node.pipeline.commands })
          const entries: Array<[unknown, unknown]> = Array.isArray(value)
            ? value.map((v, i) => [i, v])
            : value !== null && typeof value === "object"
            ? Object.keys(value).sort().map((k) => [k, (value as Record<string, unknown>)[k]])
            : []
          if (entries.length === 0) out += run(node.otherwise, dot, vars, where)
          for (const [key, item] of entries) {
            const scoped = new Map(vars)
            if (declared.length === 1) scoped.set(declared[0]!, item)
            if (declared.length === 2) {
              scoped.set(declared[0]!, key)
              scoped.set(declared[1]!, item)
            }
            out += run(node.body, item, scoped, where)
          }
          break
        }
      }
    }
    return out
  }

  const rendered = new Map<string, string>()
  for (const [name, nodes] of parsed) {
    if (name.split("/").at(-1)!.startsWith("_")) continue
    rendered.set(name, run(nodes, context, new Map([["$", context]]), name))
  }
  return rendered
}
