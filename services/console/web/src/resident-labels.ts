import { useEffect, useState } from "preact/hooks"
import { api, type Incident, type ResidentLabel } from "./api.ts"

/**
 * Names (and today's town) for the residents on the queue, fetched once per resident.
 * The full record is only read, and audited, when an incident is opened.
 */
export const useResidentLabels = (incidents: ReadonlyArray<Incident>): ReadonlyMap<string, ResidentLabel> => {
  const [labels, setLabels] = useState<ReadonlyMap<string, ResidentLabel>>(new Map())
  const missing = [...new Set(incidents.map((i) => i.residentId))].filter((id) => !labels.has(id)).sort()
  const key = missing.join(",")
  useEffect(() => {
    if (missing.length === 0) return
    let alive = true
    api.residentLabels(missing.slice(0, 500)).then((found) => {
      if (!alive) return
      setLabels((known) => {
        const next = new Map(known)
        for (const label of found) next.set(label.id, label)
        return next
      })
    }, () => undefined)
    return () => { alive = false }
  }, [key])
  return labels
}
