export { bindHostConfig, DefaultBindHost, httpPortConfig, ingestPortConfig, instanceConfig, isLoopbackHost, portConfig } from "./config.ts"
export { healthRoutes, InstanceHeader } from "./health-routes.ts"
export { httpMetrics } from "./http-metrics.ts"
export { polledRoute } from "./polled-routes.ts"
export { evaluateReadiness, type Readiness, type ReadinessCheck } from "./readiness.ts"
export { runService, serviceProgram, stoppedBySignalIsSuccess } from "./run-service.ts"
export { ServiceHttp, type ServiceHttpOptions } from "./service-http.ts"
export { Infrastructure, infrastructureReadiness } from "./infrastructure.ts"
export { bodyLimit, bodyLimitOf, type BodyLimits, DefaultBodyLimitBytes, type RouteBodyLimit } from "./body-limit.ts"
export { ExactDecoding } from "./exact-decoding.ts"
export { answerClientErrorsAsJson, MaxPathParameterLength, RouteNotFoundAsJson } from "./http-errors.ts"
export { BodyTooLarge, declareServerAnswers, HeadersTooLarge, RouteNotFound } from "./openapi-server-answers.ts"
export { isLoopbackAddress, type MetricsAccess, MetricsAccessConfig, metricsVerdict } from "./metrics-access.ts"
export {
  BaseSecurityHeaders,
  isHttps,
  securityHeaders,
  SecurityHeadersConfig,
  type SecurityHeadersSettings,
  StrictTransportSecurity,
  withDefaultHeaders
} from "./security-headers.ts"
