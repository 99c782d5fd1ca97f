import { Effect, Result } from "effect"
import { ActiveStatuses, IncidentRecord, type IncidentState, Streams, Subjects } from "@wt/contracts"
import { applyStormChange, type StormChange } from "@wt/incident"
import { decodeJson, forEachOnSubjectAfter } from "@wt/nats"
import { IncidentUnreadable } from "./incident-store.ts"

/**
 * One process's view of a storm incident: the devices still down as of `version`, read from
 * the incident's storm_updated events (its state holds only counts). `seq` is the stream
 * sequence of the last message read, so the next read fetches only what came after.
 */
export interface StormLedger {
  readonly incidentId: string
  readonly down: Set<string>
  version: number
  seq: number
  active: boolean
  /** The counts the stored state holds: every device the storm has held, and those still down. */
  devices: number
}

/** A ledger for a storm just opened by this process. */
export const openedLedger = (incidentId: string, version: number, seq: number): StormLedger => ({
  incidentId,
  down: new Set(),
  version,
  seq,
  active: true,
  devices: 0
})

/** Applies one stored message of the storm: its change (if it was a storm update) and the state after it. */
const advance = (ledger: StormLedger, seq: number, change: StormChange | undefined, state: IncidentState): void => {
  if (change !== undefined) applyStormChange(ledger.down, change)
  ledger.version = state.version
  ledger.seq = seq
  ledger.active = ActiveStatuses.includes(state.status)
  ledger.devices = state.storm?.devices ?? 0
}

/**
 * Brings a ledger up to the stored incident: reads the messages after `ledger.seq` and applies
 * each as it comes (a storm read from its start is thousands). Safe when two readers catch up the
 * same ledger at once: a message at or before the ledger's sequence is skipped, so none is
 * applied twice.
 */
export const catchUpLedger = Effect.fnUntraced(function*(tenant: string, ledger: StormLedger) {
  yield* forEachOnSubjectAfter(Streams.incident, Subjects.incident(tenant, ledger.incidentId), ledger.seq, (message) => {
    if (message.seq <= ledger.seq) return Effect.void
    const record = decodeJson(IncidentRecord, message.data)
    if (Result.isFailure(record)) return Effect.fail(new IncidentUnreadable({ incidentId: ledger.incidentId, message: record.failure.message }))
    const { event, state } = record.success
    advance(ledger, message.seq, event.type === "storm_updated" ? event : undefined, state)
    return Effect.void
  })
  return ledger
})

/** Reads a storm incident from its first event; `seq` 0 afterwards means nothing is stored yet. */
export const readLedger = (tenant: string, incidentId: string) =>
  catchUpLedger(tenant, { ...openedLedger(incidentId, 0, 0), active: false })

/**
 * Records a batch this process stored as the message right after the ledger's. A look under way
 * at the same time may already have read it (and what came after it): then it is not applied again.
 */
export const recordWritten = (ledger: StormLedger, change: StormChange, state: IncidentState, seq: number): void => {
  if (seq > ledger.seq) advance(ledger, seq, change, state)
}
