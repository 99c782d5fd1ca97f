import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream"
import { Streams } from "@wt/contracts"

/**
 * What the streams hold, read as the `observer` user (every stream, writes nothing) with
 * ordered consumers from where the last look ended: every device event stored on WT_DEVICE
 * (by event id, with its sequences), every device event that reached an incident on
 * WT_INCIDENT (by event id, with the incidents), every (incident, version) written, and every
 * WT_DEVICE sequence an audit entry covers. Counted, not de-duplicated: a second copy of
 * anything is what the fault suite looks for.
 */
export interface Ledger {
  /** Event id → the WT_DEVICE sequences it is stored at. */
  readonly stored: Map<string, Array<number>>
  /** Event id → the incidents whose records hold it (`incident_opened`, `device_event_correlated`). */
  readonly inIncidents: Map<string, Array<string>>
  /** Event id → the WT_INCIDENT sequence of the first record that holds it. */
  readonly incidentSeq: Map<string, number>
  /** `tenant/incident#version` → how many records carry it. */
  readonly versions: Map<string, number>
  /** (incident, version) written more than once, in the order found. */
  readonly duplicateVersions: Array<string>
  /** WT_DEVICE sequence → audit entries that cover it (`device_event`, or a place in `device_events`). */
  readonly audited: Map<number, number>
  /**
   * WT_DEVICE sequence → the `device_events` batches among them. A batch is written at least once:
   * after a publish whose answer was lost, the events come again and may be batched with others,
   * so one can be in two batches, never in none (docs/audit.md).
   */
  readonly inBatches: Map<number, number>
  /** Stream → sequences it does not have. */
  readonly holes: Record<string, Array<number>>
}

const text = new TextDecoder()

/**
 * Reads `stream` from `cursor.next` up to its last sequence now, each sequence exactly once,
 * moving `cursor.next` past each one as it is counted: a look that fails half-way (a node frozen
 * or killed under the reader) keeps what it counted, and the next look goes on from there rather
 * than counting it again. An ordered consumer that is reset may hand a sequence again or resume
 * past one: a repeat is skipped, a skipped sequence is fetched on its own, and one the stream
 * answers it does not have is a hole (these streams never delete); a fetch that fails is not a
 * hole but a failed look.
 */
const readFrom = async (
  js: JetStreamClient,
  jsm: JetStreamManager,
  stream: string,
  cursor: { next: number },
  onMessage: (seq: number, subject: string, data: Uint8Array) => void,
  onHole: (seq: number) => void,
  note: (line: string) => void
): Promise<void> => {
  const info = await jsm.streams.info(stream)
  const last = info.state.last_seq
  if (last < cursor.next) return
  const consumer = await js.consumers.get(stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(1, cursor.next) })
  const messages = await consumer.consume({ max_messages: 1000 })
  // Nothing for a while (a node down): stop, and go on from here at the next look.
  let idle: ReturnType<typeof setTimeout> | undefined
  const arm = () => {
    clearTimeout(idle)
    idle = setTimeout(() => void messages.close(), 10_000)
  }
  arm()
  const fetchGap = async (to: number) => {
    while (cursor.next < to) {
      // null: the stream answered that it has no such message; a failed request throws.
      const m = await jsm.streams.getMessage(stream, { seq: cursor.next })
      if (m === null) onHole(cursor.next)
      else onMessage(cursor.next, m.subject, m.data)
      cursor.next++
    }
  }
  try {
    for await (const m of messages) {
      arm()
      if (m.seq < cursor.next) continue
      if (m.seq > cursor.next) await fetchGap(m.seq)
      onMessage(m.seq, m.subject, m.data)
      cursor.next = m.seq + 1
      if (m.seq >= last) break
    }
    if (cursor.next <= last) {
      // The consumer went quiet short of what the leader said it holds. An ordered consumer reads
      // the store of the replica it was placed on, which may lag behind (a node just restarted or
      // thawed): say where it was and how far each replica is, and read the rest from the leader.
      const placed = await consumer.info(true).then((i) => i.cluster?.leader ?? "?", () => "?")
      const replicas = (info.cluster?.replicas ?? []).map((r) => `${r.name} ${r.current ? "current" : "behind"} lag ${r.lag ?? "?"}`).join(", ")
      note(`${stream}: the ordered consumer on ${placed} stopped at ${cursor.next - 1} of ${last} (leader ${info.cluster?.leader ?? "?"}; ${replicas}); reading on from the leader`)
      await fetchGap(last + 1)
    }
  } finally {
    clearTimeout(idle)
    await messages.close()
    void consumer.delete().catch(() => undefined)
  }
}

export const makeLedger = (js: JetStreamClient, jsm: JetStreamManager, note: (line: string) => void) => {
  const ledger: Ledger = { stored: new Map(), inIncidents: new Map(), incidentSeq: new Map(), versions: new Map(), duplicateVersions: [], audited: new Map(), inBatches: new Map(), holes: {} }
  const hole = (stream: string) => (seq: number) => void (ledger.holes[stream] ??= []).push(seq)
  const cursor = { device: { next: 1 }, incident: { next: 1 }, audit: { next: 1 } }
  const push = <K, V>(map: Map<K, Array<V>>, key: K, value: V) => {
    const list = map.get(key)
    if (list === undefined) map.set(key, [value])
    else list.push(value)
  }

  const onDevice = (seq: number, _subject: string, data: Uint8Array) => {
    const event = JSON.parse(text.decode(data)) as { id?: string }
    if (typeof event.id === "string") push(ledger.stored, event.id, seq)
  }

  // WT_INCIDENT sequence of each (incident, version) first seen, so a second copy names both.
  const versionSeq = new Map<string, number>()
  const onIncident = (seq: number, _subject: string, data: Uint8Array) => {
    const record = JSON.parse(text.decode(data)) as {
      event?: { type?: string; deviceEvent?: { id?: string } }
      state?: { tenant?: string; incidentId?: string; version?: number }
    }
    const incident = `${record.state?.tenant}/${record.state?.incidentId}`
    const version = `${incident}#${record.state?.version}`
    const seen = (ledger.versions.get(version) ?? 0) + 1
    ledger.versions.set(version, seen)
    if (seen === 1) versionSeq.set(version, seq)
    if (seen === 2) ledger.duplicateVersions.push(`${version} at WT_INCIDENT #${versionSeq.get(version)} and #${seq}`)
    const type = record.event?.type
    const id = record.event?.deviceEvent?.id
    if ((type === "incident_opened" || type === "device_event_correlated") && typeof id === "string") {
      push(ledger.inIncidents, id, incident)
      if (!ledger.incidentSeq.has(id)) ledger.incidentSeq.set(id, seq)
    }
  }

  const onAudit = (_seq: number, subject: string, data: Uint8Array) => {
    const note = (seq: unknown) => {
      if (typeof seq === "number") ledger.audited.set(seq, (ledger.audited.get(seq) ?? 0) + 1)
    }
    if (subject.endsWith(".device_event")) {
      const entry = JSON.parse(text.decode(data)) as { origin?: { stream?: string; seq?: number } }
      if (entry.origin?.stream === undefined || entry.origin.stream === Streams.device) note(entry.origin?.seq)
    } else if (subject.endsWith(".device_events")) {
      const entry = JSON.parse(text.decode(data)) as { data?: { events?: ReadonlyArray<{ seq?: number }> } }
      for (const e of entry.data?.events ?? []) {
        note(e.seq)
        if (typeof e.seq === "number") ledger.inBatches.set(e.seq, (ledger.inBatches.get(e.seq) ?? 0) + 1)
      }
    }
  }

  return {
    ledger,
    /** Reads what was stored since the last look. */
    catchUp: async () => {
      await readFrom(js, jsm, Streams.device, cursor.device, onDevice, hole(Streams.device), note)
      await readFrom(js, jsm, Streams.incident, cursor.incident, onIncident, hole(Streams.incident), note)
      await readFrom(js, jsm, Streams.audit, cursor.audit, onAudit, hole(Streams.audit), note)
    }
  }
}
