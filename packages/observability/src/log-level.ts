import { Config, ConfigProvider } from "effect"
import type { LogLevel } from "effect"

/** `LOG_LEVEL` values, in pino's vocabulary (what operators type). */
export type LogLevelName = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent"

const effectLevels: Record<LogLevelName, LogLevel.LogLevel> = {
  trace: "Trace",
  debug: "Debug",
  info: "Info",
  warn: "Warn",
  error: "Error",
  fatal: "Fatal",
  silent: "None"
}

const isLogLevelName = (value: string): value is LogLevelName => Object.hasOwn(effectLevels, value)

export const toEffectLogLevel = (level: LogLevelName): LogLevel.LogLevel => effectLevels[level]

/** pino method for an Effect level; `undefined` for the pseudo levels that never reach a logger. */
export const toPinoLevel = (level: LogLevel.LogLevel): Exclude<LogLevelName, "silent"> | undefined => {
  switch (level) {
    case "Fatal": return "fatal"
    case "Error": return "error"
    case "Warn": return "warn"
    case "Info": return "info"
    case "Debug": return "debug"
    case "Trace":
    case "All": return "trace"
    case "None": return undefined
  }
}

/** `LOG_LEVEL` (case-insensitive), default `info`. */
export const logLevelConfig: Config.Config<LogLevelName> = Config.String("LOG_LEVEL").pipe(
  Config.withDefault("info"),
  Config.map((value) => value.trim().toLowerCase()),
  Config.flatMap((value) =>
    isLogLevelName(value)
      ? Config.succeed(value)
      : Config.fail(new ConfigProvider.SourceError({
        message: `LOG_LEVEL must be one of ${Object.keys(effectLevels).join(", ")}; got "${value}"`
      }))
  )
)
