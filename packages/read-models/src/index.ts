export { createIncidentViews } from "./schema.ts"
export { applyIncidentRecord, IncidentProjection, resumePoint } from "./projection.ts"
export { IncidentViews, type IncidentView, type TimelineRow } from "./incident-views.ts"
export { timelineEntries, type TimelineEntry } from "./timeline-entries.ts"
