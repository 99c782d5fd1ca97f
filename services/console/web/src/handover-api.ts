// The handover commands as the browser sends them (same origin, session cookie, JSON POSTs).
import type { ConfirmedAddress } from "@wt/contracts"
import { ApiError, type Incident } from "./api.ts"

const post = async (path: string, body: unknown): Promise<Incident> => {
  const response = await fetch(path, { method: "POST", credentials: "same-origin", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
  const text = await response.text()
  const parsed: unknown = text === "" ? undefined : JSON.parse(text)
  if (!response.ok) throw new ApiError(response.status, parsed)
  return parsed as Incident
}

const enc = encodeURIComponent

export const handoverApi = {
  dispatch: (id: string, address: ConfirmedAddress, reason: string) => post(`/api/incidents/${enc(id)}/dispatch`, { address, reason }),
  cancel: (id: string, reason: string) => post(`/api/incidents/${enc(id)}/dispatch/cancel`, { reason }),
  contactAnswer: (id: string, position: number, accepted: boolean) => post(`/api/incidents/${enc(id)}/cascade/answer`, { position, accepted })
}
