/**
 * The benchmark's ingest limits (`WT_INGEST_LIMITS`, see docs/ingest-limits.md). Its senders
 * use one ingest key for a whole 100,000-device fleet and push it as fast as the installation
 * takes it (the storm: 300,000 events at once), so a sender's budget is lifted; devices keep
 * the defaults, which a fleet's normal mix and a storm's three buffered reports stay within.
 */
const lifted = { perSecond: 1_000_000, burst: 10_000_000 }
const everyLane = { alarm: lifted, tech: lifted, telemetry: lifted }

export const benchIngestLimits = { WT_INGEST_LIMITS: JSON.stringify({ sender: everyLane }) }

/**
 * For the receivers' benchmark, whose simulated units send many times what a real device does
 * (every frame of a phase from a few hundred units): devices' budgets lifted too.
 */
export const receiversBenchIngestLimits = { WT_INGEST_LIMITS: JSON.stringify({ sender: everyLane, device: everyLane }) }
