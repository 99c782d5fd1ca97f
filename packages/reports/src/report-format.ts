import type { Cell, ReportDocument, ReportTable } from "./report-document.ts"

// A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR) is prefixed with a quote.
const formulaStart = /^[=+\-@\t\r]/u

const csvCell = (value: Cell | undefined): string => {
  if (value === null || value === undefined) return ""
  if (typeof value !== "string") return String(value)
  const text = formulaStart.test(value) ? `'${value}` : value
  return /[",\r\n]/u.test(text) ? `"${text.replace(/"/gu, '""')}"` : text
}

/** RFC 4180 CSV of one table: a header line, then one line per row, CRLF line ends. */
export const tableCsv = (t: ReportTable): string =>
  [t.columns.join(","), ...t.rows.map((row) => t.columns.map((c) => csvCell(row[c])).join(","))].map((l) => `${l}\r\n`).join("")

/** A report's CSV: its first (main) table, or the one named. */
export const reportCsv = (report: ReportDocument, tableName?: string): string | undefined => {
  const t = tableName === undefined ? report.tables[0] : report.tables.find((x) => x.name === tableName)
  return t === undefined ? undefined : tableCsv(t)
}

const textCell = (column: string, value: Cell | undefined): string => {
  if (value === null || value === undefined) return "—"
  if (typeof value === "number" && column.endsWith("Ms")) return `${(value / 1000).toFixed(1)} s`
  if (typeof value === "number" && /share/iu.test(column)) return `${(value * 100).toFixed(2)} %`
  if (typeof value === "boolean") return value ? "yes" : "no"
  return String(value)
}

const tableText = (t: ReportTable): string => {
  const columns = t.columns.filter((c) => c !== "timelineUrl")
  const cells = t.rows.map((row) => columns.map((c) => textCell(c, row[c])))
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)))
  const line = (values: ReadonlyArray<string>) => values.map((v, i) => v.padEnd(widths[i]!)).join("  ").trimEnd()
  return [
    `${t.title} (${t.rows.length})`,
    ...(t.rows.length === 0 ? ["  none"] : [`  ${line(columns)}`, ...cells.map((r) => `  ${line(r)}`)])
  ].join("\n")
}

/** The report for a terminal: heading, period, then each table with aligned columns. */
export const reportText = (report: ReportDocument): string =>
  [
    report.title,
    `Period ${report.from} – ${report.to} (hours in ${report.timeZone}); generated ${report.generatedAt}`,
    "",
    ...report.tables.map(tableText).join("\n\n").split("\n")
  ].join("\n")
