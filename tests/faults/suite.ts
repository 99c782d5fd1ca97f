import { execFile } from "node:child_process"
import { copyFileSync, createWriteStream, existsSync } from "node:fs"
import { dirname, join } from "node:path"
import { Effect, Result } from "effect"
import { SqlClient } from "effect/sql"
import { Streams } from "@wt/contracts"
import type { ServiceName } from "@wt/launcher"
import { makeNats, Nats, readRange, readSubjectAfter } from "@wt/nats"
import { rawClientOf } from "./raw-client.ts"
import { demoSimFleet } from "@wt/sim-devices"
import { benchIngestLimits } from "../bench/ingest-limits.ts"
import { summarize } from "../bench/figures.ts"
import { onDatabase } from "../support/database.ts"
import { signIn } from "../support/http.ts"
import { startInstallation } from "../support/system.ts"
import { type Fault, fillNodeDisk, freezeNode, killServiceCopies, killStreamLeader, restartCluster } from "./faults.ts"
import { makeLedger } from "./ledger.ts"
import { watchLiveQueue } from "./live-queue.ts"
import { type SentEvent, startLoad } from "./load.ts"

const text = new TextDecoder()

/** How long each part of a run takes, and which faults it injects. */
export interface FaultPlan {
  readonly mode: "quick" | "full"
  readonly bulkPerSecond: number
  readonly alarmsPerSecond: number
  /** Steady load before the first fault: the row every other one compares with. */
  readonly steadyMs: number
  /** Steady load after each fault, before its events are checked. */
  readonly afterMs: number
  /** How long the checks wait for a window's events to be everywhere they must be. */
  readonly settleTimeoutMs: number
  readonly faults: ReadonlyArray<Fault>
}

const AllCopies: ReadonlyArray<readonly [ServiceName, number]> = (
  ["gateway", "receivers", "triage", "triage-bulk", "supervision", "projector", "audit", "console", "dispatch"] as const
).flatMap((name) => [[name, 1] as const, [name, 2] as const])

export const FullPlan: FaultPlan = {
  mode: "full",
  bulkPerSecond: 40,
  alarmsPerSecond: 2,
  steadyMs: 20_000,
  afterMs: 10_000,
  settleTimeoutMs: 180_000,
  faults: [
    killStreamLeader("WT_DEVICE", 20_000),
    killStreamLeader("WT_INCIDENT", 20_000),
    freezeNode(30_000),
    killServiceCopies(AllCopies, 2_000),
    restartCluster,
    fillNodeDisk(1024 * 1024, 30_000)
  ]
}

/**
 * The short form, for `pnpm test` on a 2-core machine: the leader of WT_DEVICE killed (8 s
 * down), a node frozen for 8 s, and the alarm lane's and the gateway's first copies killed.
 */
export const QuickPlan: FaultPlan = {
  mode: "quick",
  bulkPerSecond: 20,
  alarmsPerSecond: 1,
  steadyMs: 8_000,
  afterMs: 4_000,
  settleTimeoutMs: 90_000,
  faults: [
    killStreamLeader("WT_DEVICE", 8_000),
    freezeNode(8_000),
    killServiceCopies([["triage", 1], ["gateway", 1]], 1_000)
  ]
}

/** One row of the table: a fault, what was accepted while it lasted, and what became of it. */
export interface FaultRow {
  readonly fault: string
  readonly what: string
  /** The slowest care alarms over 5 s, with when each hop stored it (ms after the gateway's receipt). */
  readonly slow_alarms?: ReadonlyArray<{ readonly id: string; readonly received: string; readonly ms_to_device_stream: number | null; readonly ms_to_incident_stream: number | null; readonly ms_to_console: number }>
  /** Events answered 202 whose first attempt fell in this fault's window (care alarms among them). */
  readonly accepted: number
  readonly care_alarms: number
  /** Accepted but missing somewhere they must be (see `lost_detail`). */
  readonly lost: number
  /** Found more than once somewhere they must be once, and incident events written twice (see `duplicated_detail`). */
  readonly duplicated: number
  readonly lost_detail: { readonly not_stored: number; readonly no_incident: number; readonly not_projected: number; readonly not_audited: number }
  readonly duplicated_detail: {
    readonly stored_twice: number
    readonly in_two_incident_records: number
    readonly projected_twice: number
    readonly audited_twice: number
    readonly incident_versions_twice: number
  }
  /** Telemetry and technical events in two audit batches: at least once by design (docs/audit.md), not counted as duplicated. */
  readonly in_two_audit_batches: number
  /** Gateway receipt → on a console copy's live queue, for care alarms sent while the fault lasted (until the system was whole). */
  readonly p1_ms: { readonly samples: number; readonly p50: number | null; readonly p99: number | null; readonly max: number | null; readonly missing: number }
  /** The device's first POST → on the live queue: includes the time its retries waited for a gateway that could store it. */
  readonly p1_client_ms: { readonly p50: number | null; readonly p99: number | null; readonly max: number | null }
  /** Sent but never answered 202 (the load gave up): not counted as accepted. */
  readonly not_accepted: number
  readonly audit_verify: string
  readonly fault_s: number
  /** Sequences a stream that never deletes did not have (by stream), found in this window. */
  readonly stream_holes: Readonly<Record<string, number>>
  /** The events behind `lost` and `duplicated` (the first few), to follow them up. */
  readonly anomalies: { readonly count: number; readonly samples: ReadonlyArray<unknown>; readonly duplicate_versions: ReadonlyArray<string> }
  readonly notes: ReadonlyArray<string>
}

const cli = new URL("../../packages/cli/src/main.ts", import.meta.url).pathname

/** `pnpm wt audit verify` as the CLI user, against the live trail: exit code and its first line. */
const auditVerify = (env: Record<string, string>) =>
  Effect.callback<{ code: number; stdout: string }>((resume) => {
    execFile(process.execPath, [cli, "audit", "verify"], { env: { ...process.env, ...env }, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      resume(Effect.succeed({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout: stdout + (error === null ? "" : stderr) })))
  })

/** How many device-event entries each event id has in the timeline read model. */
const projectedCounts = (databaseUrl: string, ids: ReadonlyArray<string>) =>
  ids.length === 0
    ? Effect.succeed(new Map<string, number>())
    : onDatabase(databaseUrl, (sql: SqlClient.SqlClient) =>
      Effect.map(
        sql<{ id: string; n: number }>`SELECT detail->'data'->>'id' AS id, count(*)::int AS n FROM incident_timeline
          WHERE kind = 'device_event' AND detail->'data'->>'id' IN ${sql.in(ids)} GROUP BY 1`,
        (rows) => new Map(rows.map((r) => [r.id, Number(r.n)]))
      ))

export interface SuiteResult {
  readonly mode: string
  readonly at: string
  readonly load: { readonly bulk_per_s: number; readonly alarms_per_s: number }
  readonly copies: number
  readonly rows: ReadonlyArray<FaultRow>
  readonly load_counts: Record<string, unknown>
  readonly operator: { readonly resolved: number; readonly refused: number }
  readonly run_s: number
}

/**
 * The fault suite: a three-node cluster (TLS, R3 streams) with two copies of each service,
 * a steady mixed load with care alarms over every gateway copy, the console's live queue
 * watched on every console copy; each fault injected in turn, then its window's events
 * checked on the streams, in the read model and in the audit trail.
 */
export const runFaultSuite = Effect.fn("Faults.run")(function*(plan: FaultPlan, options: { readonly logFile: string; readonly log: (line: string) => void }) {
  const runStarted = Date.now()
  const { log } = options
  const serviceLog = yield* Effect.acquireRelease(Effect.sync(() => createWriteStream(options.logFile, { flags: "w" })), (s) => Effect.sync(() => s.end()))
  log(`${plan.mode} run: three nats-server nodes, a fresh database, two copies of each service`)
  const residents = 300
  const sys = yield* startInstallation({
    label: "faults",
    cluster: true,
    copies: 2,
    restartOnCrash: true,
    residents,
    // The fleet's own heartbeats are not sent: without a long interval every silent device would be an absence.
    heartbeatIntervalS: 86_400,
    poolMax: 2,
    // One ingest key for the whole load: its rate limit lifted (devices keep theirs).
    // At debug: the services' log is only kept when something was lost or doubled, and then each
    // handler's failed attempts (logged at debug) are what the follow-up needs.
    env: { ...benchIngestLimits, WT_AUDIT_SEAL_INTERVAL: "1 second", LOG_LEVEL: "debug" },
    onLine: (service, line) => void serviceLog.write(`${service} | ${line}\n`)
  })
  const cluster = sys.cluster!
  // The nodes' own logs, beside the services' log when the run ends however it ends: a node that
  // came back "not current with the meta leader" or refused writes says why only there.
  yield* Effect.addFinalizer(() =>
    Effect.sync(() => {
      for (const node of cluster.nodes) {
        if (existsSync(node.logFile)) copyFileSync(node.logFile, join(dirname(options.logFile), `faults-nats-${node.name}.log`))
      }
    })
  )
  log(`system ready after ${((Date.now() - runStarted) / 1000).toFixed(1)} s: ${cluster.nodes.map((n) => n.name).join(", ")}; gateways ${sys.ingestUrls.join(", ")}`)

  const observerNats = yield* makeNats({ url: sys.natsUrl, name: "faults-observer", ...sys.natsAccess("observer") })
  const observer = yield* rawClientOf(observerNats)
  const { ledger, catchUp } = makeLedger(observer.js, observer.jsm, log)
  const token = yield* signIn(sys.consoleUrl, "operator", sys.password)
  const fleet = demoSimFleet({ residents })
  const live = yield* Effect.acquireRelease(Effect.sync(() => watchLiveQueue({ consoleUrls: sys.consoleUrls, token })), (l) => Effect.promise(() => l.stop()))
  const load = yield* Effect.acquireRelease(
    Effect.sync(() => startLoad({ ingestUrls: sys.ingestUrls, ingestKey: sys.ingestKey, fleet, bulkPerSecond: plan.bulkPerSecond, alarmsPerSecond: plan.alarmsPerSecond })),
    (l) => Effect.promise(() => l.stop())
  )
  const cliEnv = { ...sys.natsEnv("cli"), WT_DATA_DIR: sys.dataDir }
  // (incident, version) pairs found twice, and holes in the streams, so far: each row counts the ones its window added.
  let versionDuplicatesSeen = 0
  const holesSeen: Record<string, number> = {}

  /** Waits until every accepted event of the window is where it must be (or the timeout), then counts. */
  const check = Effect.fn("Faults.check")(function*(fault: { name: string; what: string }, from: number, to: number, run: { startedAt: number; recoveredAt: number; notes: ReadonlyArray<string> }) {
    const inWindow = (e: SentEvent) => e.firstPostAt >= from && e.firstPostAt < to
    // Until what was sent in the window has been answered (or given up on).
    while ([...load.sent.values()].some((e) => inWindow(e) && e.acceptedAt === undefined && Date.now() - e.firstPostAt < 200_000)) {
      yield* Effect.sleep("500 millis")
    }
    const events = [...load.sent.values()].filter(inWindow)
    const accepted = events.filter((e) => e.acceptedAt !== undefined)
    const alarms = accepted.filter((e) => e.careAlarm)
    const deadline = Date.now() + plan.settleTimeoutMs
    let projected = new Map<string, number>()
    while (true) {
      yield* Effect.tryPromise(() => catchUp()).pipe(Effect.catch((e) => Effect.sync(() => log(`reading the streams failed (${String(e)}); again`))))
      projected = yield* projectedCounts(sys.databaseUrl, alarms.map((e) => e.id))
      const complete = accepted.every((e) => {
        const seqs = ledger.stored.get(e.id)
        return seqs !== undefined && seqs.every((s) => (ledger.audited.get(s) ?? 0) > 0)
      }) && alarms.every((e) => ledger.inIncidents.has(e.id) && projected.has(e.id) && live.arrivals.has(e.id))
      if (complete || Date.now() > deadline) break
      yield* Effect.sleep("1 second")
    }
    const storedCount = (e: SentEvent) => ledger.stored.get(e.id)?.length ?? 0
    const lost = {
      not_stored: accepted.filter((e) => storedCount(e) === 0).length,
      no_incident: alarms.filter((e) => !ledger.inIncidents.has(e.id)).length,
      not_projected: alarms.filter((e) => !projected.has(e.id)).length,
      not_audited: accepted.filter((e) => (ledger.stored.get(e.id) ?? []).some((s) => (ledger.audited.get(s) ?? 0) === 0)).length
    }
    const holes = Object.fromEntries(Object.entries(ledger.holes).map(([stream, seqs]) => [stream, seqs.length - (holesSeen[stream] ?? 0)]).filter(([, n]) => (n as number) > 0))
    for (const [stream, seqs] of Object.entries(ledger.holes)) holesSeen[stream] = seqs.length
    const versionsBefore = versionDuplicatesSeen
    versionDuplicatesSeen = ledger.duplicateVersions.length
    // An entry of its own written twice, or an event both alone and in a batch; in two batches only is reported apart.
    const auditedTwice = (seq: number) => {
      const all = ledger.audited.get(seq) ?? 0
      const batches = ledger.inBatches.get(seq) ?? 0
      return all > 1 && !(batches === all)
    }
    const inTwoBatches = accepted.filter((e) => (ledger.stored.get(e.id) ?? []).some((s) => (ledger.inBatches.get(s) ?? 0) > 1 && !auditedTwice(s))).length
    const duplicated = {
      stored_twice: accepted.filter((e) => storedCount(e) > 1).length,
      in_two_incident_records: alarms.filter((e) => (ledger.inIncidents.get(e.id)?.length ?? 0) > 1).length,
      projected_twice: alarms.filter((e) => (projected.get(e.id) ?? 0) > 1).length,
      audited_twice: accepted.filter((e) => (ledger.stored.get(e.id) ?? []).some(auditedTwice)).length,
      incident_versions_twice: ledger.duplicateVersions.length - versionsBefore
    }
    // The WT_DEVICE sequences holding event `e`, found by its device's subjects rather than by the ledger.
    const storedBySubject = (e: SentEvent) =>
      readSubjectAfter(Streams.device, `wt.dev.*.*.${e.type}.${e.deviceId}`, 0).pipe(
        Effect.map((messages) => messages.filter((m) => (JSON.parse(text.decode(m.data)) as { id?: string }).id === e.id).map((m) => m.seq)),
        Effect.provideService(Nats, observerNats),
        Effect.catch((error) => Effect.succeed(`lookup failed: ${error.message}`))
      )
    // The dead letters of WT_DEVICE messages, by the sequence they name, read once for all the
    // samples of this check (the dead-letter stream is small) and only when there are samples.
    const deviceDeadLetters = Effect.gen(function*() {
      const bySeq = new Map<number, Array<{ subject: string; reason: string | undefined; deliveries: number | undefined }>>()
      const last = (yield* observerNats.streamInfo(Streams.deadLetter)).state.last_seq
      if (last === 0) return bySeq
      yield* readRange({
        stream: Streams.deadLetter,
        toSeq: last,
        onMessage: (_seq, subject, data) => {
          const letter = JSON.parse(text.decode(data)) as { subject?: string; streamSeq?: number; reason?: string; deliveries?: number }
          if (letter.subject?.startsWith("wt.dev.") !== true || letter.streamSeq === undefined) return
          bySeq.set(letter.streamSeq, [...(bySeq.get(letter.streamSeq) ?? []), { subject, reason: letter.reason, deliveries: letter.deliveries }])
        }
      }).pipe(Effect.provideService(Nats, observerNats))
      return bySeq
    }).pipe(Effect.result)
    const deadLetters = yield* Effect.cached(deviceDeadLetters)
    const deadLettersOf = (seqs: ReadonlyArray<number>) =>
      Effect.map(deadLetters, (read) =>
        Result.isFailure(read) ? `lookup failed: ${read.failure.message}` : seqs.flatMap((seq) => read.success.get(seq) ?? []))
    // What an engineer needs to follow a lost or doubled event up: its ledger and what the stream holds at its sequences.
    const sampleOf = Effect.fn("Faults.sampleOf")(function*(e: SentEvent) {
      const seqs = ledger.stored.get(e.id) ?? []
      const stored = yield* Effect.forEach(seqs, (seq) =>
        Effect.tryPromise(() => observer.jsm.streams.getMessage(Streams.device, { seq })).pipe(
          Effect.map((m) => m === null ? { seq, missing: true } : ({ seq, subject: m.subject, receivedAt: (JSON.parse(text.decode(m.data)) as { receivedAt?: string }).receivedAt })),
          Effect.catch((error) => Effect.succeed({ seq, error: String(error) }))
        ))
      return {
        id: e.id,
        type: e.type,
        device: e.deviceId,
        first_post: new Date(e.firstPostAt).toISOString(),
        accepted: e.acceptedAt === undefined ? null : new Date(e.acceptedAt).toISOString(),
        attempts: e.attempts,
        stored,
        // Not in the ledger: what the stream holds for the device, found by subject, tells a
        // reader that missed it (the event is there) from an event that is not stored.
        ...(seqs.length === 0 ? { found_by_subject: yield* storedBySubject(e) } : {}),
        // Given up on by a consumer: the dead letters that name its WT_DEVICE sequences, with why.
        dead_letters: yield* deadLettersOf(seqs),
        audited: seqs.map((seq) => ledger.audited.get(seq) ?? 0),
        incidents: ledger.inIncidents.get(e.id) ?? [],
        projected: projected.get(e.id) ?? 0
      }
    })
    const anomalies = accepted.filter((e) => {
      const n = storedCount(e)
      const seqs = ledger.stored.get(e.id) ?? []
      return n !== 1 || seqs.some((q) => (ledger.audited.get(q) ?? 0) === 0 || auditedTwice(q)) ||
        (e.careAlarm && ((ledger.inIncidents.get(e.id)?.length ?? 0) !== 1 || (projected.get(e.id) ?? 0) !== 1))
    })
    const samples = yield* Effect.forEach(anomalies.slice(0, 8), sampleOf)
    // Care alarms sent while the fault lasted, until the system was whole again.
    const during = alarms.filter((e) => e.firstPostAt >= run.startedAt && e.firstPostAt <= run.recoveredAt)
    const measured = during.length > 0 ? during : alarms
    const arrived = measured.flatMap((e) => {
      const a = live.arrivals.get(e.id)
      return a === undefined ? [] : [{ gateway: a.at - a.receivedAt, client: a.at - e.firstPostAt }]
    })
    const p1 = summarize(arrived.map((a) => a.gateway), measured.length - arrived.length)
    // Where the slowest care alarms waited: the stream's own timestamps of each hop, from the gateway's receipt.
    const storedAt = (stream: string, seq: number | undefined) =>
      seq === undefined
        ? Effect.succeed(undefined)
        : Effect.tryPromise(() => observer.jsm.streams.getMessage(stream, { seq })).pipe(
          Effect.map((m) => (m === null ? undefined : m.time.getTime())),
          Effect.orElseSucceed(() => undefined)
        )
    const slowest = measured
      .flatMap((e) => {
        const a = live.arrivals.get(e.id)
        return a === undefined || a.at - a.receivedAt < 5_000 ? [] : [{ e, a }]
      })
      .sort((x, y) => (y.a.at - y.a.receivedAt) - (x.a.at - x.a.receivedAt))
      .slice(0, 6)
    const slowAlarms = yield* Effect.forEach(slowest, ({ e, a }) =>
      Effect.gen(function*() {
        const device = yield* storedAt(Streams.device, ledger.stored.get(e.id)?.[0])
        const incident = yield* storedAt(Streams.incident, ledger.incidentSeq.get(e.id))
        const after = (t: number | undefined) => (t === undefined ? null : t - a.receivedAt)
        return { id: e.id, received: new Date(a.receivedAt).toISOString(), ms_to_device_stream: after(device), ms_to_incident_stream: after(incident), ms_to_console: a.at - a.receivedAt }
      }))
    const client = summarize(arrived.map((a) => a.client), 0)
    const verified = yield* auditVerify(cliEnv)
    const verdict = verified.code === 0 && /^INTACT/m.test(verified.stdout)
      ? "intact"
      : `NOT INTACT (exit ${verified.code}): ${verified.stdout.split("\n").slice(0, 3).join(" / ").slice(0, 300)}`
    const row: FaultRow = {
      fault: fault.name,
      what: fault.what,
      accepted: accepted.length,
      care_alarms: alarms.length,
      lost: Object.values(lost).reduce((a, b) => a + b, 0),
      duplicated: Object.values(duplicated).reduce((a, b) => a + b, 0),
      lost_detail: lost,
      duplicated_detail: duplicated,
      in_two_audit_batches: inTwoBatches,
      p1_ms: { samples: p1.samples, p50: p1.p50, p99: p1.p99, max: p1.max, missing: p1.missing },
      p1_client_ms: { p50: client.p50, p99: client.p99, max: client.max },
      not_accepted: events.length - accepted.length,
      audit_verify: verdict,
      fault_s: Math.round((run.recoveredAt - run.startedAt) / 100) / 10,
      stream_holes: holes,
      anomalies: { count: anomalies.length, samples, duplicate_versions: ledger.duplicateVersions.slice(versionsBefore, versionsBefore + 8) },
      slow_alarms: slowAlarms,
      notes: [...run.notes, ...(during.length === 0 ? ["no care alarm was sent while it lasted: P1 over the whole window"] : [])]
    }
    log(`${row.fault}: accepted ${row.accepted} (${row.care_alarms} care alarms), lost ${row.lost} ${JSON.stringify(lost)}, duplicated ${row.duplicated} ` +
      `${JSON.stringify(duplicated)}, in two audit batches ${inTwoBatches}, ${Object.keys(holes).length === 0 ? "no holes" : `HOLES ${JSON.stringify(holes)}`}, P1 p99 ${row.p1_ms.p99} ms (client ${row.p1_client_ms.p99} ms, ${row.p1_ms.samples} alarms, ${row.p1_ms.missing} not on the queue), audit ${verdict}`)
    if (slowAlarms.length > 0) log(`${row.fault}: slowest care alarms (ms after the gateway's receipt): ${JSON.stringify(slowAlarms)}`)
    return row
  })

  const rows: Array<FaultRow> = []
  let windowStart = Date.now()
  log(`steady load: ${plan.bulkPerSecond} heartbeats and positions/s and ${plan.alarmsPerSecond} care alarms/s over ${sys.ingestUrls.length} gateway copies`)
  const steadyFrom = Date.now()
  yield* Effect.sleep(plan.steadyMs)
  const steadyTo = Date.now()
  rows.push(yield* check({ name: "none (steady load)", what: "the load alone, before any fault" }, windowStart, steadyTo, { startedAt: steadyFrom, recoveredAt: steadyTo, notes: [] }))
  windowStart = steadyTo

  for (const fault of plan.faults) {
    log(`fault: ${fault.what}`)
    const run = yield* fault.run({ cluster, services: sys.services, jsm: observer.jsm, log })
    yield* Effect.sleep(plan.afterMs)
    const windowEnd = Date.now()
    rows.push(yield* check(fault, windowStart, windowEnd, run))
    windowStart = windowEnd
  }

  const counts = load.counts()
  yield* Effect.promise(() => load.stop())
  const result: SuiteResult = {
    mode: plan.mode,
    at: new Date().toISOString(),
    load: { bulk_per_s: plan.bulkPerSecond, alarms_per_s: plan.alarmsPerSecond },
    copies: 2,
    rows,
    load_counts: counts,
    operator: live.answers(),
    run_s: Math.round((Date.now() - runStarted) / 1000)
  }
  return result
})

const cell = (v: unknown) => (v === null || v === undefined ? "–" : String(v))

/** The table: fault, events accepted, lost, duplicated, P1 p99 during it. */
export const faultTable = (rows: ReadonlyArray<FaultRow>): string =>
  [
    "| fault | events accepted (care alarms) | lost | duplicated | P1 p99 during it (gateway → console) | P1 p99 from the device's first try | audit trail |",
    "|---|---|---|---|---|---|---|",
    ...rows.map((r) =>
      `| ${r.fault} | ${r.accepted} (${r.care_alarms}) | ${r.lost} | ${r.duplicated}${r.in_two_audit_batches > 0 ? ` (${r.in_two_audit_batches} in a second audit batch)` : ""} | ${cell(r.p1_ms.p99)} ms (${r.p1_ms.samples} alarms${r.p1_ms.missing > 0 ? `, ${r.p1_ms.missing} not on the queue` : ""}) | ${cell(r.p1_client_ms.p99)} ms | ${r.audit_verify} |`
    )
  ].join("\n")
