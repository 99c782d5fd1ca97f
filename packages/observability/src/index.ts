export { redact } from "./redaction.ts"
export { logLevelConfig, toEffectLogLevel, toPinoLevel, type LogLevelName } from "./log-level.ts"
export { makePino, type PinoOptions } from "./pino.ts"
export { flush, layerPino, LoggerLive, pinoLogger } from "./logger.ts"
export {
  latencyBucketsMs,
  latencyHistogram,
  prometheusContentType,
  renderPrometheus,
  seriesOf,
  totalCounter,
  withLatency
} from "./metrics.ts"
export { redactedSpanEvents, TracingLive, type TracingSettings, tracingSettingsConfig } from "./tracing.ts"
