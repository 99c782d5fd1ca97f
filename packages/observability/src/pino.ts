import pino from "pino"
import pretty from "pino-pretty"
import { hostname } from "node:os"
import { censor, redact, redactedKeys } from "./redaction.ts"
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
  return pino({
    level: options.level,
    // Several copies of a service may run; pid and host tell them apart.
    base: { service: options.service, pid: process.pid, hostname: hostname() },
    timestamp: pino.stdTimeFunctions.isoTime,
    // pino's own redact covers the first two levels declaratively (and anything a future
    // formatter change lets through); the key walk below censors at any depth.
    redact: { paths: redactedKeys.flatMap((k) => [k, `*.${k}`]), censor },
    formatters: {
      log: (object) => redact(object) as Record<string, unknown>,
      bindings: (bindings) => redact(bindings) as Record<string, unknown>
    }
  }, destination)
}
