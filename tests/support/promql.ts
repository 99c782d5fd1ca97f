import { parser } from "@prometheus-io/lezer-promql"

/** A series selector in a PromQL expression: the metric it names and its label matchers. */
export interface Selector {
  readonly metric: string
  readonly matchers: ReadonlyArray<{ readonly label: string; readonly op: string; readonly value: string }>
}

/**
 * Parses a PromQL expression with the Prometheus project's own grammar (`@prometheus-io/lezer-promql`,
 * what the Prometheus web UI parses with) and returns its series selectors. A syntax error throws,
 * naming where: an alert rule or a dashboard panel that Prometheus could not even parse never fires.
 */
export const selectorsOf = (expr: string): ReadonlyArray<Selector> => {
  const tree = parser.parse(expr)
  const selectors: Array<Selector> = []
  const errors: Array<number> = []
  tree.iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(node.from)
      if (node.name !== "VectorSelector") return
      const identifier = node.node.getChild("Identifier")
      if (identifier === null) return
      const matchers: Array<Selector["matchers"][number]> = []
      const list = node.node.getChild("LabelMatchers")
      for (const matcher of list?.getChildren("UnquotedLabelMatcher") ?? []) {
        const label = matcher.getChild("LabelName")
        const op = matcher.getChild("MatchOp")
        const value = matcher.getChild("StringLiteral")
        if (label === null || op === null || value === null) continue
        matchers.push({
          label: expr.slice(label.from, label.to),
          op: expr.slice(op.from, op.to),
          value: JSON.parse(expr.slice(value.from, value.to).replace(/^'|'$/gu, "\"")) as string
        })
      }
      selectors.push({ metric: expr.slice(identifier.from, identifier.to), matchers })
    }
  })
  if (errors.length > 0) throw new Error(`not PromQL at offset ${errors[0]}: ${expr}`)
  return selectors
}

/** Sample names in a Prometheus text exposition (what /metrics answers), with the label names each carries. */
export const exposedSeries = (text: string): ReadonlyMap<string, ReadonlySet<string>> => {
  const series = new Map<string, Set<string>>()
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s/u.exec(line)
    if (match === null) continue
    const labels = series.get(match[1]!) ?? new Set<string>()
    for (const pair of (match[3] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/gu)) labels.add(pair[1]!)
    series.set(match[1]!, labels)
  }
  return series
}
