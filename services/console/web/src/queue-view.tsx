import { useEffect, useRef } from "preact/hooks"
import type { Incident, ResidentLabel } from "./api.ts"
import { age, alarmLabel, isUnclaimed, statusLabel, who } from "./format.ts"
import { t } from "./i18n.ts"
import { HandoverMark } from "./handover-panel.tsx"
import { nextToAnswer, useAnswerKey } from "./answer-key.ts"
import { JoinedInRow } from "./signals.tsx"

interface Props {
  readonly incidents: ReadonlyArray<Incident>
  readonly now: number
  readonly selected: number
  readonly onSelect: (index: number) => void
  readonly onClaim: (incident: Incident) => void
  readonly onOpen: (incident: Incident) => void
  /** Name and town per resident id, when known. */
  readonly labels?: ReadonlyMap<string, ResidentLabel>
}

const multiTenant = (incidents: ReadonlyArray<Incident>) => new Set(incidents.map((i) => i.tenant)).size > 1

/** The live queue: one row per active incident, most urgent first. */
export const QueueView = ({ incidents, now, selected, onSelect, onClaim, onOpen, labels }: Props) => {
  const body = useRef<HTMLTableSectionElement>(null)
  useEffect(() => {
    body.current?.querySelector<HTMLElement>("tr.selected")?.scrollIntoView({ block: "nearest" })
  }, [selected])
  // The alarm sounding is answered with one key, whichever row is selected.
  useAnswerKey(() => {
    const next = nextToAnswer(incidents)
    if (next !== undefined) onClaim(next)
  })
  const m = t().queue
  if (incidents.length === 0) return <p class="empty" data-testid="queue-empty">{m.empty}</p>
  return (
    <table class="queue" data-testid="queue">
      <thead>
        <tr><th>{m.headers.priority}</th><th>{m.headers.age}</th><th>{m.headers.alarm}</th><th>{m.headers.resident}</th><th>{m.headers.marks}</th><th>{m.headers.status}</th><th></th></tr>
      </thead>
      <tbody ref={body}>
        {incidents.map((incident, index) => (
          <tr
            key={incident.incidentId}
            data-incident={incident.incidentId}
            data-priority={incident.priority}
            class={`row ${incident.priority} ${index === selected ? "selected" : ""} ${isUnclaimed(incident) ? "unclaimed" : ""}`}
            onClick={() => onSelect(index)}
            onDblClick={() => onOpen(incident)}
          >
            <td><span class={`badge ${incident.priority}`}>{incident.priority}</span></td>
            <td class="age" data-testid="age">{age(incident.openedAt, now)}</td>
            <td class="alarm">
              {/* The headline: the incident's most urgent signal; what else joined it beneath. */}
              <span class="headline" data-testid="headline" data-alarm-type={incident.alarmType} data-category={incident.category}>{alarmLabel(incident.alarmType)}</span>
              {incident.deviceEventCount > 1 ? <span class="count"> ×{incident.deviceEventCount}</span> : null}
              <JoinedInRow incident={incident} />
            </td>
            <td class="resident" data-testid="resident">
              {labels?.get(incident.residentId) !== undefined
                ? (
                  <>
                    <strong>{labels.get(incident.residentId)!.displayName}</strong>
                    {labels.get(incident.residentId)!.city !== "" ? `, ${labels.get(incident.residentId)!.city}` : ""}
                    {labels.get(incident.residentId)!.temporaryAddress ? <span class="tag temporary">{m.temporaryAddress}</span> : null}
                    {" "}<small class="muted">{incident.residentId}</small>
                  </>
                )
                : incident.residentId}
              {incident.tenant !== undefined && multiTenant(incidents) ? <small class="tenant"> · {incident.tenant}</small> : null}
            </td>
            <td>
              {incident.repeated === true ? <span class="mark repeated" title={m.repeatedTitle}>{m.repeated}</span> : null}
              {(incident.escalationLevel ?? 0) > 0 ? <span class="mark escalated" title={m.escalatedTitle}>{m.escalated(incident.escalationLevel ?? 0)}</span> : null}
              <HandoverMark incident={incident} now={now} />
            </td>
            <td class="status" data-testid="status">
              {isUnclaimed(incident) ? m.waiting : `${statusLabel(incident.status)} · ${who(incident.claimedBy ?? incident.owner)}`}
            </td>
            <td class="actions">
              {isUnclaimed(incident)
                ? <button class="claim" onClick={(e) => { e.stopPropagation(); onClaim(incident) }}>{m.claim}</button>
                : <button onClick={(e) => { e.stopPropagation(); onOpen(incident) }}>{m.open}</button>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
