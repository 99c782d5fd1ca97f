import pino from "pino"
import pretty from "pino-pretty"
import { hostname } from "node:os"
import { redact } from "./redaction.ts"
import type { LogLevelName } from "./log-level.ts"

export interface PinoOptions {
  readonly service: string
  readonly level: LogLevelName
  /** Where lines go; default stdout. */
  readonly destination?: pino.DestinationStream | undefined
  /** Human-readable lines instead of JSON; default: when stdout is a TTY. */
  readonly pretty?: boolean | undefined
}

/**
 * A pino instance with the project's redaction. The pretty printer runs in-process as a
 * stream: a worker-thread transport would lose lines when the process exits abruptly.
 */
export const makePino = (options: PinoOptions): pino.Logger => {
  // LOG_FORMAT lets a launcher on a terminal ask its piped children for readable lines.
  const format = process.env["LOG_FORMAT"]
  const usePretty = options.pretty ?? (format === "pretty" ? true : format === "json" ? false : process.stdout.isTTY === true)
  const destination = options.destination ?? (usePretty
    ? pretty({
      colorize: true,
      singleLine: true,
      translateTime: "SYS:HH:MM:ss.l",
      // The cause is a multi-line stack; printed below the line, not escaped inside it.
      messageFormat: (log, messageKey) =>
        `[${String(log.service)}] ${String(log[messageKey] ?? "")}` +
        (typeof log.cause === "string" ? `\n${log.cause}` : ""),
      ignore: "pid,hostname,service,fiber,cause",
      destination: 1
    })
    : pino.destination({ dest: 1, sync: false }))
  const logger = pino({
    level: options.level,
    // Several copies of a service may run; pid and host tell them apart.
    base: { service: options.service, pid: process.pid, hostname: hostname() },
    timestamp: pino.stdTimeFunctions.isoTime,
    // The key walk censors every line's object and the base bindings, at any depth, before pino
    // serialises them. pino's own redact paths did it again for the first two levels: 25–30 µs
    // more per line, against 4 µs for the whole line without them (a log line per request is a
    // large part of what a one-event webhook or OsmAnd position costs beyond the HTTP server).
    formatters: {
      log: (object) => redact(object) as Record<string, unknown>,
      bindings: (bindings) => redact(bindings) as Record<string, unknown>
    }
  }, destination)
  // pino applies the bindings formatter to the base bindings only; a child logger's bindings are
  // walked here. Children inherit this from the root instance, so grandchildren are walked too.
  const childOf = logger.child
  logger.child = function(this: unknown, ...args: Parameters<typeof childOf>) {
    return Reflect.apply(childOf, this, [redact(args[0]), args[1]])
  } as typeof childOf
  return logger
}
