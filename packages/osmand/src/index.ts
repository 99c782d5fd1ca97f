export { KnotsPerMps, OsmAndLimits, parseOsmAndRequest, parseQuery, parseTimestamp, type OsmAndRefusal, type OsmAndRefusalKind, type OsmAndReport, type OsmAndRequest } from "./report.ts"
export { OsmAndAlarmMapVersion, osmandDeviceEvents, osmandEventId, type OsmAndDevice } from "./device-events.ts"
export { osmandHttpAnswer, type OsmAndHttpAnswer, type OsmAndOutcome } from "./http-answer.ts"
export { fuzzOsmAnd } from "./fuzz.ts"
