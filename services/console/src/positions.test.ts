import { expect, it as plainIt, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as fc from "fast-check"
import { AuditEntry, Streams, Subjects } from "@wt/contracts"
import { publishRaw, readSubject } from "@wt/nats"
import { call, ConsoleTestLayer, openIncident, project, signIn } from "./console-fixture.ts"
import { keepNewest, recentTrack, type TrackPoint } from "./recent-positions.ts"

const decodeEntry = Schema.decodeUnknownSync(Schema.fromJsonString(AuditEntry))
const recordViews = Effect.map(readSubject(Streams.audit, Subjects.audit("demo", "record_view")), (messages) =>
  messages.map((m) => decodeEntry(new TextDecoder().decode(m.data))))

const viewOf = (e: typeof AuditEntry.Type) => (e.data as Readonly<Record<string, unknown>> | undefined)?.["view"]

// res-0001 of the demo fleet wears tracker gps-000001 and has a geofence.
const resident = "res-0001"
const tracker = "gps-000001"
let n = 0

/** A position of `deviceId`, stored on WT_DEVICE the way the gateway stores it (SOS on the alarm lane). */
const position = (deviceId: string, lat: number, lon: number, options: { readonly sos?: boolean; readonly at?: string } = {}) => {
  const event = {
    id: `evt-pos-${++n}-${Date.now()}`,
    tenant: "demo",
    deviceId,
    occurredAt: options.at ?? new Date().toISOString(),
    source: { via: "osmand" },
    type: "gps",
    payload: { lat, lon, accuracyM: 8, ...(options.sos === true ? { sos: true } : {}) }
  }
  const subject = Subjects.device("demo", options.sos === true ? "alarm" : "telemetry", "gps", deviceId)
  return publishRaw(subject, new TextEncoder().encode(JSON.stringify(event)), { msgId: event.id, timeoutMs: 2000, attempts: 1 })
}

layer(ConsoleTestLayer, { excludeTestServices: true })("a resident's recent positions", (it) => {
  it.effect("reads one tracker's positions stored since the given time, on both lanes, oldest first, and nothing of another tracker or event type", () =>
    Effect.gen(function*() {
      yield* position(tracker, 63.40, 10.40)
      yield* Effect.sleep("20 millis")
      const since = new Date()
      yield* Effect.sleep("20 millis")
      yield* position(tracker, 63.41, 10.41)
      yield* position(tracker, 63.42, 10.42, { sos: true })
      yield* position("gps-000002", 60.0, 11.0)
      yield* publishRaw(Subjects.device("demo", "alarm", "safety_alarm", tracker), new TextEncoder().encode("{}"), { msgId: `evt-other-${Date.now()}`, timeoutMs: 2000, attempts: 1 })
      const track = yield* recentTrack("demo", tracker, since)
      expect(track.deviceId).toBe(tracker)
      expect(track.truncated).toBe(false)
      expect(track.positions.map((p) => [p.lat, p.lon, p.sos ?? false])).toEqual([[63.41, 10.41, false], [63.42, 10.42, true]])
      // Nothing stored since: an empty track, answered at once.
      expect((yield* recentTrack("demo", "gps-unknown", since)).positions).toEqual([])
    }))

  it.effect("keeps the newest positions of a tracker that reported more than it keeps", () =>
    Effect.gen(function*() {
      const since = new Date()
      for (let i = 0; i < 12; i++) yield* position("gps-000003", 63 + i / 100, 10, { at: new Date(Date.now() + i).toISOString() })
      const track = yield* recentTrack("demo", "gps-000003", since, { keep: 5, read: 1000, timeoutMs: 5000 })
      expect(track.truncated).toBe(true)
      expect(track.positions.map((p) => p.lat)).toEqual([63.07, 63.08, 63.09, 63.1, 63.11])
    }))

  it.effect("GET /api/residents/{id}/positions: an operator for an active incident of the resident, audited as a record view without the positions; 403 without an incident, 404 for another tenant's resident", () =>
    Effect.gen(function*() {
      yield* openIncident("demo", "pos-1", { residentId: resident })
      yield* project("demo", "pos-1")
      yield* position(tracker, 63.43, 10.39)
      const { token, user } = yield* signIn("operator")
      const answer = yield* call("GET", `/api/residents/${resident}/positions?incident=pos-1&minutes=30`, { token })
      expect(answer.status).toBe(200)
      expect(answer.body).toMatchObject({ residentId: resident, minutes: 30, tracks: [{ deviceId: tracker, truncated: false }] })
      expect(answer.body.tiles).toBeUndefined()
      const last = answer.body.tracks[0].positions.at(-1)
      expect(last).toMatchObject({ lat: 63.43, lon: 10.39, accuracyM: 8 })
      expect(Date.parse(answer.body.until) - Date.parse(answer.body.since)).toBe(30 * 60_000)

      const entry = (yield* recordViews).find((e) => e.actor.id === user.id && e.subject.incidentId === "pos-1" && viewOf(e) === "positions")
      expect(entry).toMatchObject({ kind: "record_view", subject: { residentId: resident, incidentId: "pos-1" }, data: { view: "positions", minutes: 30, trackers: 1 } })
      // The trail says that positions were seen, never where the person was.
      expect(JSON.stringify(entry)).not.toContain("63.43")

      const before = (yield* recordViews).length
      expect((yield* call("GET", `/api/residents/${resident}/positions`, { token })).status).toBe(403)
      expect((yield* call("GET", `/api/residents/${resident}/positions?incident=pos-1&minutes=0`, { token })).status).toBe(400)
      expect((yield* call("GET", `/api/residents/${resident}/positions?incident=pos-1&minutes=241`, { token })).status).toBe(400)
      expect((yield* call("GET", `/api/residents/${resident}/positions?incident=pos-1`)).status).toBe(401)
      const north = yield* signIn("north-operator")
      expect((yield* call("GET", `/api/residents/${resident}/positions`, { token: north.token })).status).toBe(404)
      // Refused reads are not record views.
      expect((yield* recordViews).length).toBe(before)

      // A supervisor may look without an incident (quality work); that too is audited.
      const boss = yield* signIn("supervisor")
      expect((yield* call("GET", `/api/residents/${resident}/positions`, { token: boss.token })).status).toBe(200)
      expect((yield* recordViews).find((e) => e.actor.id === boss.user.id && viewOf(e) === "positions")).toBeDefined()
    }))
})

const point = fc.record({
  at: fc.integer({ min: 0, max: 10_000_000 }).map((ms) => new Date(1_800_000_000_000 + ms).toISOString()),
  lat: fc.double({ min: -90, max: 90, noNaN: true }),
  lon: fc.double({ min: -180, max: 180, noNaN: true })
}) as fc.Arbitrary<TrackPoint>

plainIt("keepNewest keeps the newest positions, oldest first, and says when it left some out", () => {
  fc.assert(fc.property(fc.array(point, { maxLength: 60 }), fc.integer({ min: 1, max: 40 }), (points, keep) => {
    const { positions, truncated } = keepNewest(points, keep)
    expect(positions.length).toBe(Math.min(keep, points.length))
    expect(truncated).toBe(points.length > keep)
    const times = points.map((p) => Date.parse(p.at)).sort((a, b) => a - b)
    // Exactly the newest times, in order: nothing left out is newer than what is kept.
    expect(positions.map((p) => Date.parse(p.at))).toEqual(times.slice(times.length - positions.length))
  }), { numRuns: 300 })
})
