/**
 * Why a service process died before it was ready, in a few words, from the last lines it wrote
 * (pino JSON or pretty): the engineer reads "port 127.0.0.1:8091 is taken", not a stack trace
 * among hundreds of lines of other services' output.
 */
export const startFailureReason = (lines: ReadonlyArray<string>): string | undefined => {
  const text = lines.join("\n")
  const taken = /EADDRINUSE:? (?:address already in use )?([\w.:[\]-]+)/u.exec(text)
  if (taken !== null) return `port ${taken[1]} is taken by another process (EADDRINUSE)`
  const refused = /ECONNREFUSED ([\w.:[\]-]+)/u.exec(text)
  if (refused !== null) return `connection to ${refused[1]} refused (ECONNREFUSED): is the database or NATS it needs running there?`
  const denied = /password authentication failed[^"\\\n]*|Authorization Violation|authentication expired|permissions violation[^"\\\n]*/iu.exec(text)
  if (denied !== null) return `refused its credentials: ${denied[0]}`
  // Else what it said last about failing: the message and the first line of its cause.
  for (const line of [...lines].reverse()) {
    const said = messageOf(line)
    if (said !== undefined) return said
  }
  return undefined
}

const messageOf = (line: string): string | undefined => {
  try {
    const entry = JSON.parse(line) as { level?: number; msg?: string; cause?: string }
    if (typeof entry.level !== "number" || entry.level < 50) return undefined
    const cause = typeof entry.cause === "string" ? entry.cause.split("\n").find((l) => l.trim() !== "") : undefined
    return [entry.msg, cause].filter((s) => s !== undefined && s !== "").join(": ") || undefined
  } catch {
    // Pretty or plain text: a line that says it failed.
    return /\b(ERROR|FATAL|failed|Error:)/u.test(line) ? line.trim().slice(0, 300) : undefined
  }
}
