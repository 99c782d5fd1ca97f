import { readdirSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { parseSync } from "vite"
import { allMessages, browserLanguage, type Messages } from "../src/i18n.ts"

const src = fileURLToPath(new URL("../src/", import.meta.url))

type Node = { readonly type: string; readonly start: number; readonly [key: string]: unknown }

const isNode = (v: unknown): v is Node => typeof v === "object" && v !== null && typeof (v as { type?: unknown }).type === "string"

const children = (node: Node): Array<Node> =>
  Object.entries(node).flatMap(([key, value]) =>
    key === "parent" ? [] : Array.isArray(value) ? value.filter(isNode) : isNode(value) ? [value] : [])

/** Words, not symbols or codes: two letters in a row. */
const hasWords = (text: string) => /\p{L}{2,}/u.test(text)

// What may stand in a view as it is, in either language: priorities, codes and names of standards.
const allowed = new Set(["P1", "P2", "P3", "P4", "CSV", "110", "demo-dispenser" /* an example vendor id */])

// Attributes a person reads (or hears from a screen reader).
const spoken = new Set(["placeholder", "title", "aria-label", "alt", "label"])

// Calls whose text argument reaches the screen.
const shown = new Set(["confirm", "alert", "say", "onError", "setNote", "setSaved", "setError", "setMessage", "setCardRefused"])

/** String literals an expression shows as it is (through ?:, &&, ||, ??, template literals), not those it passes to a function. */
const shownLiterals = (node: Node): Array<{ readonly text: string; readonly at: number }> => {
  switch (node.type) {
    case "Literal":
      return typeof node["value"] === "string" ? [{ text: node["value"] as string, at: node.start }] : []
    case "TemplateLiteral":
      return [
        ...(node["quasis"] as Array<Node>).map((q) => ({ text: String((q["value"] as { cooked?: string }).cooked ?? ""), at: q.start })),
        ...(node["expressions"] as Array<Node>).flatMap(shownLiterals)
      ]
    case "ConditionalExpression":
      return [...shownLiterals(node["consequent"] as Node), ...shownLiterals(node["alternate"] as Node)]
    case "LogicalExpression":
      return [...shownLiterals(node["left"] as Node), ...shownLiterals(node["right"] as Node)]
    case "BinaryExpression":
      return node["operator"] === "+" ? [...shownLiterals(node["left"] as Node), ...shownLiterals(node["right"] as Node)] : []
    case "ParenthesizedExpression":
      return shownLiterals(node["expression"] as Node)
    default:
      return []
  }
}

/** Text of a view that does not come from i18n.ts: JSX text, spoken attributes, shown literals. */
export const untranslated = (file: string, code: string): Array<string> => {
  const { program, errors } = parseSync(file, code, { lang: file.endsWith(".tsx") ? "tsx" : "ts" })
  if (errors.length > 0) throw new Error(`${file} does not parse: ${errors.map((e) => e.message).join("; ")}`)
  const found: Array<string> = []
  const line = (at: number) => code.slice(0, at).split("\n").length
  const flag = (text: string, at: number) => {
    const trimmed = text.trim()
    if (hasWords(trimmed) && !allowed.has(trimmed)) found.push(`${file}:${line(at)} "${trimmed}"`)
  }
  const walk = (node: Node, parent?: Node) => {
    if (node.type === "JSXText") flag(String(node["value"]), node.start)
    if (node.type === "JSXAttribute") {
      const name = (node["name"] as Node)["name"]
      const value = node["value"] as Node | null
      if (typeof name === "string" && spoken.has(name) && value !== null) {
        if (value.type === "Literal") flag(String(value["value"]), value.start)
        if (value.type === "JSXExpressionContainer") for (const l of shownLiterals(value["expression"] as Node)) flag(l.text, l.at)
      }
    }
    // Children of an element; an attribute's value is judged above (a class name is not text).
    if (node.type === "JSXExpressionContainer" && parent?.type !== "JSXAttribute") {
      for (const l of shownLiterals(node["expression"] as Node)) flag(l.text, l.at)
    }
    if (node.type === "CallExpression") {
      const callee = node["callee"] as Node
      const name = callee.type === "Identifier" ? callee["name"] : callee.type === "MemberExpression" ? (callee["property"] as Node)["name"] : undefined
      if (typeof name === "string" && shown.has(name)) for (const arg of node["arguments"] as Array<Node>) for (const l of shownLiterals(arg)) flag(l.text, l.at)
    }
    for (const child of children(node)) walk(child, node)
  }
  walk(program as unknown as Node)
  return found
}

const views = readdirSync(src).filter((f) => (f.endsWith(".tsx") || f.endsWith(".ts")) && f !== "i18n.ts" && !f.endsWith(".d.ts"))

/** The keys of a dictionary, nested, with what each is (a text or a function of its arguments). */
const shape = (value: unknown, path = ""): Array<string> =>
  typeof value === "object" && value !== null
    ? Object.entries(value).flatMap(([k, v]) => shape(v, `${path}.${k}`))
    : [`${path}:${typeof value}${typeof value === "function" ? (value as (...a: Array<unknown>) => unknown).length : ""}`]

describe("the console's words in Norwegian and English", () => {
  it("no view shows text of its own: every word comes from i18n.ts", () => {
    expect(views.length).toBeGreaterThan(20)
    const found = views.flatMap((f) => untranslated(f, readFileSync(`${src}${f}`, "utf8")))
    expect(found).toEqual([])
  })

  it("the check finds text that did not come from i18n.ts (JSX text, a placeholder, a conditional, a confirm)", () => {
    const view = `
      const A = ({ ok }) => (
        <div title={t().x}>
          <p>Loading incidents…</p>
          <input placeholder="find by name" aria-label={ok ? "yes please" : t().no} />
          {ok ? "waiting" : \`\${ok} claimed\`}
          <button onClick={() => { if (confirm("Sign out?")) go() }}>{t().y}</button>
          <span class="mark P1" data-testid="some-id">P1 · {n}</span>
        </div>
      )`
    expect(untranslated("probe.tsx", view).map((f) => f.replace(/^probe\.tsx:\d+ /u, ""))).toEqual([
      "\"Loading incidents…\"", "\"find by name\"", "\"yes please\"", "\"waiting\"", "\"claimed\"", "\"Sign out?\""
    ])
  })

  it("Norwegian has every word English has, of the same kind (text, or a function of as many values)", () => {
    const en: Messages = allMessages.en
    expect(shape(allMessages.nb)).toEqual(shape(en))
  })

  it("every Norwegian word is Norwegian: none is left the same as the English, but names and symbols", () => {
    const same: Array<string> = []
    const walk = (nb: unknown, en: unknown, path: string) => {
      if (typeof nb === "string" && nb === en && hasWords(nb)) same.push(path)
      else if (typeof nb === "function" && typeof en === "function") {
        const args = Array.from({ length: nb.length }, (_, i) => `§${i}`)
        const a = String(nb(...args))
        if (a === String(en(...args)) && hasWords(a.replace(/§\d/gu, ""))) same.push(path)
      } else if (typeof nb === "object" && nb !== null) for (const [k, v] of Object.entries(nb)) walk(v, (en as Record<string, unknown>)[k], `${path}.${k}`)
    }
    walk(allMessages.nb, allMessages.en, "")
    // The same in both: names of languages, protocols and terms Norwegian also uses (status, Id, Pri, SOS, GPS).
    const international = [
      ".languageName.nb", ".languageName.en", ".common.id", ".queue.headers.priority", ".queue.headers.alarm", ".queue.headers.status",
      ".timeline.status", ".alarmDetail.sos", ".map.sos", ".reports.userTypes.gps", ".overview.normal", ".admin.planHeaders.plan",
      ".admin.deviceHeaders.type", ".admin.protocols.dc09.label", ".admin.protocols.scaip.label", ".admin.protocols.osmand.label",
      ".sensor.e_lock", ".alarmDetail.e_lock", ".actorKind.system", ".actorKind.team", ".map.kilometres"
    ]
    expect(same.filter((p) => !international.includes(p))).toEqual([])
  })

  it("the national terms are used in Norwegian", () => {
    const nb = JSON.stringify(shape(allMessages.nb)) + Object.values(flatten(allMessages.nb)).join(" ")
    for (const term of ["trygghetsalarm", "digitalt tilsyn", "hjemmetjenesten", "pårørende", "nøkkelboks", "e-lås", "medisindispenser", "lokaliseringsteknologi", "Responssenter", "utrykning", "Ta hendelsen"]) {
      expect(nb, term).toContain(term)
    }
  })

  it("until the user chooses, the browser's language decides: Norwegian for nb, nn or no, else English", () => {
    expect(browserLanguage(["nb-NO", "en"])).toBe("nb")
    expect(browserLanguage(["nn"])).toBe("nb")
    expect(browserLanguage(["no"])).toBe("nb")
    expect(browserLanguage(["de-DE", "en-GB", "nb"])).toBe("en")
    expect(browserLanguage(["sv-SE", "nb"])).toBe("nb")
    expect(browserLanguage([])).toBe("en")
  })
})

const flatten = (value: unknown, path = ""): Record<string, string> =>
  typeof value === "object" && value !== null
    ? Object.assign({}, ...Object.entries(value).map(([k, v]) => flatten(v, `${path}.${k}`)))
    : typeof value === "function"
    ? { [path]: String((value as (...a: Array<string>) => unknown)(...Array.from({ length: (value as () => unknown).length }, () => "x"))) }
    : { [path]: String(value) }
