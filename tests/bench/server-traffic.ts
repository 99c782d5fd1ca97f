/**
 * What each client sent nats-server and was sent by it, from the server's own `/connz`: the cost is
 * per message (issue 22), so the messages an event sets off, connection by connection, say where
 * nats-server's time goes before any profile does.
 */

interface ConnCounters {
  readonly cid: number
  readonly name: string
  /** Why the server closed it, for a closed connection. */
  readonly reason: string | undefined
  readonly start: string | undefined
  readonly stop: string | undefined
  readonly in_msgs: number
  readonly out_msgs: number
  readonly in_bytes: number
  readonly out_bytes: number
}

export interface TrafficLook {
  readonly conns: ReadonlyMap<number, ConnCounters>
}

/** Every connection, open and recently closed (the server keeps the last closed ones with their final counts). */
export const lookAtTraffic = async (monitorUrl: string): Promise<TrafficLook> => {
  const response = await fetch(`${monitorUrl}/connz?state=all&auth=true&limit=100000`)
  const body = await response.json() as {
    connections?: ReadonlyArray<Partial<Omit<ConnCounters, "reason" | "start" | "stop">> & { readonly authorized_user?: string; readonly reason?: string; readonly start?: string; readonly stop?: string }>
  }
  const conns = new Map<number, ConnCounters>()
  for (const c of body.connections ?? []) {
    if (typeof c.cid !== "number") continue
    conns.set(c.cid, {
      cid: c.cid,
      // A service's own readers (the frame writers' "wt-bulk-read") are told apart by the service's user.
      name: `${c.name === undefined || c.name === "" ? "(unnamed)" : c.name}${c.authorized_user !== undefined && c.authorized_user !== c.name ? ` (${c.authorized_user})` : ""}`,
      reason: c.reason,
      start: c.start,
      stop: c.stop,
      in_msgs: c.in_msgs ?? 0,
      out_msgs: c.out_msgs ?? 0,
      in_bytes: c.in_bytes ?? 0,
      out_bytes: c.out_bytes ?? 0
    })
  }
  return { conns }
}

export interface TrafficPerEvent {
  /** Messages clients published, per event, by connection name (a name's connections summed). */
  readonly in: Record<string, number>
  /** Messages the server delivered, per event, by connection name. */
  readonly out: Record<string, number>
  readonly total: { readonly in: number; readonly out: number; readonly in_bytes: number; readonly out_bytes: number }
  /** Connections that closed between the looks and were sent at least 0.005 a message per event: short-lived readers, each with why it closed. */
  readonly closed: ReadonlyArray<{ readonly name: string; readonly out: number; readonly reason: string | undefined; readonly start: string | undefined; readonly stop: string | undefined }>
}

const round2 = (n: number) => Math.round(n * 100) / 100

/** The difference between two looks, per `events`; names that moved less than 0.005 a message per event are left out. */
export const trafficPerEvent = (before: TrafficLook, after: TrafficLook, events: number): TrafficPerEvent => {
  const closed: Array<TrafficPerEvent["closed"][number]> = []
  const inBy = new Map<string, number>()
  const outBy = new Map<string, number>()
  const total = { in: 0, out: 0, in_bytes: 0, out_bytes: 0 }
  for (const [cid, now] of after.conns) {
    const was = before.conns.get(cid)
    const delta = {
      in: now.in_msgs - (was?.in_msgs ?? 0),
      out: now.out_msgs - (was?.out_msgs ?? 0),
      in_bytes: now.in_bytes - (was?.in_bytes ?? 0),
      out_bytes: now.out_bytes - (was?.out_bytes ?? 0)
    }
    if (now.stop !== undefined && delta.out / events >= 0.005) closed.push({ name: now.name, out: round2(delta.out / events), reason: now.reason, start: now.start, stop: now.stop })
    inBy.set(now.name, (inBy.get(now.name) ?? 0) + delta.in)
    outBy.set(now.name, (outBy.get(now.name) ?? 0) + delta.out)
    total.in += delta.in
    total.out += delta.out
    total.in_bytes += delta.in_bytes
    total.out_bytes += delta.out_bytes
  }
  const perEvent = (by: Map<string, number>) =>
    Object.fromEntries([...by].map(([name, n]) => [name, round2(n / events)] as const).filter(([, n]) => n >= 0.005).sort((a, b) => b[1] - a[1]))
  return {
    in: perEvent(inBy),
    out: perEvent(outBy),
    total: { in: round2(total.in / events), out: round2(total.out / events), in_bytes: Math.round(total.in_bytes / events), out_bytes: Math.round(total.out_bytes / events) },
    closed
  }
}
