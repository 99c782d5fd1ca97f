import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import type { Actor, IncidentEvent, IncidentRecord } from "@wt/contracts"
import { alarmTypeOf } from "@wt/incident"

/**
 * One row per stored incident record: the event's kind and time and the incident's state
 * after it (status, priority, owner). The queue keeps only the latest state and the
 * timeline keeps the events' words, so this is what reports read to know what an
 * incident was doing at any instant: when it was answered, called out, on site, owned
 * by nobody. Small on purpose: no device payloads, no storm device lists.
 */
export const createIncidentTransitions = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE IF NOT EXISTS incident_transitions (
    incident_id text NOT NULL,
    version integer NOT NULL,
    tenant text NOT NULL,
    resident_id text NOT NULL,
    stream_seq bigint NOT NULL,
    at timestamptz NOT NULL,
    event_type text NOT NULL,
    status text NOT NULL,
    priority text NOT NULL,
    category text NOT NULL,
    owner jsonb NOT NULL,
    actor jsonb,
    received_at timestamptz,
    alarm_type text,
    detail jsonb,
    PRIMARY KEY (tenant, incident_id, version)
  )`
  yield* sql`CREATE INDEX IF NOT EXISTS incident_transitions_received ON incident_transitions (tenant, received_at) WHERE version = 1`
})

/** What a report needs of an event beyond its kind: small figures, never personal data. */
export const transitionDetail = (event: IncidentEvent): Record<string, unknown> | null => {
  switch (event.type) {
    case "incident_marked_repeated":
      return { alarmsInWindow: event.alarmsInWindow, windowHours: event.windowHours, atLeast: event.atLeast }
    case "incident_escalated":
      return { level: event.level, unclaimedForMs: event.unclaimedForMs }
    case "incident_closed":
      return event.confirms === undefined ? null : { confirms: event.confirms }
    case "incident_merged":
      return { into: event.into }
    case "priority_raised":
      return { from: event.from, to: event.to }
    default:
      return null
  }
}

const actorOf = (event: IncidentEvent): Actor | undefined => ("by" in event ? event.by : undefined)

/** The transition row of one stored record, as written to `incident_transitions`. */
export const transitionRow = (record: IncidentRecord, streamSeq: number): Record<string, unknown> => {
  const { event, state } = record
  const deviceEvent = "deviceEvent" in event ? event.deviceEvent : undefined
  const actor = actorOf(event)
  const detail = transitionDetail(event)
  return {
    incident_id: state.incidentId,
    version: state.version,
    tenant: state.tenant,
    resident_id: state.residentId,
    stream_seq: streamSeq,
    at: event.at,
    event_type: event.type,
    status: state.status,
    priority: state.priority,
    category: state.category,
    owner: JSON.stringify(state.owner),
    actor: actor === undefined ? null : JSON.stringify(actor),
    // Answer times are measured from the moment the centre had the alarm.
    received_at: deviceEvent === undefined ? null : deviceEvent.receivedAt ?? deviceEvent.occurredAt,
    alarm_type: deviceEvent === undefined ? null : alarmTypeOf(deviceEvent),
    detail: detail === null ? null : JSON.stringify(detail)
  }
}
