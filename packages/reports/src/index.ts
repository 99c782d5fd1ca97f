export { AnswerTargets, type AnswerOutcome, answerOutcome, type LateAnswer, slaReport, type SlaReport, type SlaRow } from "./answer-time.ts"
export { FloodWindowMs, floodReport, type FloodRow, OnDutySlackMs, type OperatorsOnDuty, operatorsFromActions } from "./floods.ts"
export {
  CallOutStatuses,
  historiesFromRecords,
  type IncidentHistory,
  type IncidentStep,
  isPerson,
  receivedAtMs,
  stepOf,
  timelineLinks
} from "./history.ts"
export { indicatorReport, type IndicatorRow, type WelfareTechnologyUsers } from "./indicators.ts"
export { onSiteReport, type OnSiteRow, type OnSiteSummaryRow } from "./on-site.ts"
export { ownerlessReport, type OwnerlessRow } from "./ownerless.ts"
export { type OwnershipSpan, ownershipSpans } from "./ownership.ts"
export { repeatedReport, type RepeatedRow } from "./repeated.ts"
export {
  buildReport,
  type Cell,
  isReportKind,
  type ReportDocument,
  type ReportInput,
  type ReportKind,
  ReportKinds,
  type ReportTable
} from "./report-document.ts"
export { reportCsv, reportText, tableCsv } from "./report-format.ts"
export { type ReportRequest, ReportSource } from "./report-source.ts"
export { percentile, share } from "./statistics.ts"
export { DefaultReportTimeZone, type PeriodQuery, type ReportPeriod, reportPeriod } from "./report-period.ts"
