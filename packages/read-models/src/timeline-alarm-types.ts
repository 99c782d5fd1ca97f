import type { DeviceEventHead } from "@wt/contracts"
import { alarmTypeOf } from "@wt/incident"

/**
 * The alarm type a stored timeline entry is about, from its structured detail, so a reader can
 * name it in its own words instead of reading the English summary: a device event's own, a
 * headline's, and an incident's opening (the device event written with it, same version).
 * Read from rows already stored, so entries written before this field have it too.
 */
export const withAlarmTypes = <R extends { readonly version: number; readonly kind: string; readonly detail: unknown }>(
  rows: ReadonlyArray<R>
): Array<R & { readonly alarmType?: string }> => {
  const own = rows.map(ownAlarmType)
  const openingByVersion = new Map<number, string>()
  rows.forEach((r, i) => {
    const alarmType = own[i]
    if (r.kind === "device_event" && alarmType !== undefined && !openingByVersion.has(r.version)) openingByVersion.set(r.version, alarmType)
  })
  return rows.map((r, i) => {
    const alarmType = r.kind === "incident_opened" ? openingByVersion.get(r.version) : own[i]
    return alarmType === undefined ? r : { ...r, alarmType }
  })
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null

const ownAlarmType = (row: { readonly kind: string; readonly detail: unknown }): string | undefined => {
  const d = row.detail
  if (!isObject(d)) return undefined
  if (row.kind === "headline") return typeof d["alarmType"] === "string" ? d["alarmType"] : undefined
  // A device_event entry's detail is the device event as received.
  if (row.kind !== "device_event" || typeof d["type"] !== "string" || !isObject(d["payload"])) return undefined
  const alarmType = alarmTypeOf(d as unknown as DeviceEventHead) as string | undefined
  // A type this build does not know gives no alarm type (the reader falls back to the summary).
  return alarmType === undefined || alarmType.endsWith(":undefined") ? undefined : alarmType
}
