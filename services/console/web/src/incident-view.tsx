import { useEffect, useRef, useState } from "preact/hooks"
import { api, ApiError, type Incident, type Resident, type TimelineEntry, type User } from "./api.ts"
import { age, alarmLabel, clock, isUnclaimed, kindLabel, statusLabel, who } from "./format.ts"
import { codeName, noteCodes } from "./handling-codes.ts"
import { t } from "./i18n.ts"
import { type LiveEvent, type LiveQueue, newerOf } from "./live-queue.ts"
import { HandoverPanel } from "./handover-panel.tsx"
import { ResidentCard } from "./resident-card.tsx"
import { nextToAnswer, useAnswerKey } from "./answer-key.ts"
import { JoinedInIncident } from "./signals.tsx"
import { TimelineView } from "./timeline-view.tsx"

interface Props {
  readonly incidentId: string
  readonly queue: LiveQueue
  readonly user: User
  readonly now: number
  readonly onBack: () => void
  readonly onError: (message: string) => void
}

const errorText = (error: unknown) => error instanceof ApiError || error instanceof Error ? error.message : String(error)

/** One incident: act on it, see it change live, with the resident's card and plan beside it. */
export const IncidentView = ({ incidentId, queue, user, now, onBack, onError }: Props) => {
  const [incident, setIncident] = useState<Incident | undefined>(queue.get(incidentId))
  const [entries, setEntries] = useState<ReadonlyArray<TimelineEntry>>([])
  const [live, setLive] = useState<ReadonlyArray<LiveEvent>>([])
  const [resident, setResident] = useState<Resident | undefined>()
  /** Why the server would not show the card (an operator, once the incident has ended). */
  const [cardRefused, setCardRefused] = useState<string | undefined>()
  const [checked, setChecked] = useState<ReadonlySet<number>>(new Set())
  const [party, setParty] = useState("")
  const [noteText, setNoteText] = useState("")
  const [noteCode, setNoteCode] = useState<number>(8)
  const [cause, setCause] = useState("")
  const [action, setAction] = useState("")
  const [cancelReason, setCancelReason] = useState("")
  const causeField = useRef<HTMLInputElement>(null)
  const partyField = useRef<HTMLInputElement>(null)
  const noteField = useRef<HTMLInputElement>(null)

  const reloadTimeline = () =>
    api.timeline(incidentId).then((t) => {
      setEntries(t.entries)
      setIncident((known) => newerOf(known, t.incident))
    }, () => undefined)

  useEffect(() => {
    let alive = true
    void api.incident(incidentId).then((i) => {
      if (!alive) return
      setIncident((known) => newerOf(known, i))
      // Opened once per incident view: the server audits this read, for this incident.
      api.resident(i.residentId, incidentId).then((r) => alive && setResident(r), (e) => {
        if (!alive) return
        // An operator reads the record only while the incident is open: a rule, not a failure.
        if (e instanceof ApiError && e.status === 403) setCardRefused(e.message)
        else onError(t().incident.cardError(errorText(e)))
      })
    }, (e) => onError(errorText(e)))
    void reloadTimeline()
    const stop = queue.onEvent((news) => {
      if (news.state.incidentId !== incidentId) return
      setIncident((known) => newerOf(known, news.state))
      setLive((l) => [...l, news])
      // The timeline is a read model a moment behind the stream: read it now and once more shortly.
      void reloadTimeline()
      setTimeout(() => void reloadTimeline(), 400)
    })
    return () => {
      alive = false
      stop()
    }
  }, [incidentId])

  const run = async (command: () => Promise<Incident>, after?: () => void) => {
    try {
      const state = await command()
      setIncident((known) => newerOf(known, state))
      queue.put(state)
      after?.()
      void reloadTimeline()
    } catch (error) {
      onError(errorText(error))
    }
  }

  // The alarm sounding is answered from here too: claimed, and opened in place of this one.
  const answering = useRef(false)
  useAnswerKey(() => {
    const next = nextToAnswer(queue.list())
    if (next === undefined || answering.current) return
    answering.current = true
    api.claim(next.incidentId).then((state) => {
      queue.put(state)
      location.hash = `#/incident/${encodeURIComponent(next.incidentId)}`
    }, (error) => onError(errorText(error))).finally(() => {
      answering.current = false
    })
  })

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null
      if (target !== null && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT")) {
        if (e.key === "Escape") target.blur()
        return
      }
      if (e.key === "Escape" || e.key === "Backspace") onBack()
      else if ((e.key === "c" || e.key === "Enter") && incident !== undefined && isUnclaimed(incident)) void run(() => api.claim(incidentId))
      else if (e.key === "r") { e.preventDefault(); causeField.current?.focus() }
      else if (e.key === "t") { e.preventDefault(); partyField.current?.focus() }
      else if (e.key === "n") { e.preventDefault(); noteField.current?.focus() }
      else return
    }
    window.addEventListener("keydown", onKey)
    return () => window.removeEventListener("keydown", onKey)
  }, [incident, incidentId])

  const m = t().incident
  const q = t().queue
  if (incident === undefined) return <p>{m.loading}</p>
  const ended = ["resolved", "closed", "cancelled", "merged"].includes(incident.status)

  return (
    <div class="incident" data-testid="incident" data-incident={incidentId} data-status={incident.status}>
      <div class="incident-main">
        <header class={`incident-head ${incident.priority}`}>
          <button class="back" onClick={onBack} title={m.backTitle}>{m.back}</button>
          <span class={`badge ${incident.priority}`}>{incident.priority}</span>
          <h1 data-testid="headline" data-alarm-type={incident.alarmType} data-category={incident.category}>{alarmLabel(incident.alarmType)}</h1>
          <span class="age">{age(incident.openedAt, now)}</span>
          <span class="status" data-testid="incident-status">{statusLabel(incident.status)}</span>
          <span class="owner">{m.owner(who(incident.owner))}</span>
          {incident.repeated === true ? <span class="mark repeated">{q.repeated}</span> : null}
          {(incident.escalationLevel ?? 0) > 0 ? <span class="mark escalated">{q.escalated(incident.escalationLevel ?? 0)}</span> : null}
        </header>
        <JoinedInIncident incident={incident} />

        <div class="actions-bar">
          {isUnclaimed(incident) ? <button class="claim primary" onClick={() => void run(() => api.claim(incidentId))}>{m.claim}</button> : null}
          {incident.status === "resolved" ? <button onClick={() => void run(() => api.close(incidentId))}>{m.close}</button> : null}
          {user.role === "supervisor" || user.role === "admin" ? <a href={`#/timeline/${incidentId}`}>{m.supervisorTimeline}</a> : null}
        </div>

        {ended ? null : (
          <div class="forms">
            <form class="contact" onSubmit={(e) => { e.preventDefault(); if (party.trim() !== "") void run(() => api.contact(incidentId, party.trim()), () => setParty("")) }}>
              <label>{m.conversationWith}</label>
              <input ref={partyField} name="party" value={party} onInput={(e) => setParty(e.currentTarget.value)} placeholder={m.conversationPlaceholder} />
              <button>{m.logConversation}</button>
            </form>
            <form class="note" onSubmit={(e) => { e.preventDefault(); if (noteText.trim() !== "") void run(() => api.note(incidentId, noteText.trim(), noteCode), () => setNoteText("")) }}>
              <label>{m.note}</label>
              <select name="code" value={noteCode} onChange={(e) => setNoteCode(Number(e.currentTarget.value))}>
                {noteCodes.map((c) => <option value={c}>{c} {codeName(c)}</option>)}
              </select>
              <input ref={noteField} name="note" value={noteText} onInput={(e) => setNoteText(e.currentTarget.value)} placeholder={m.notePlaceholder} />
              <button>{m.addNote}</button>
            </form>
            <form class="resolve" onSubmit={(e) => { e.preventDefault(); void run(() => api.resolve(incidentId, cause.trim(), action.trim(), "")) }}>
              <label>{m.resolve}</label>
              <input ref={causeField} name="cause" value={cause} onInput={(e) => setCause(e.currentTarget.value)} placeholder={m.causePlaceholder} />
              <input name="action" value={action} onInput={(e) => setAction(e.currentTarget.value)} placeholder={m.actionPlaceholder} />
              <button class="primary">{m.resolveButton}</button>
            </form>
            <form class="cancel" onSubmit={(e) => { e.preventDefault(); if (cancelReason.trim() !== "") void run(() => api.cancel(incidentId, cancelReason.trim())) }}>
              <label>{m.cancel}</label>
              <input name="reason" value={cancelReason} onInput={(e) => setCancelReason(e.currentTarget.value)} placeholder={m.cancelPlaceholder} />
              <button>{m.cancelButton}</button>
            </form>
          </div>
        )}

        <HandoverPanel incident={incident} resident={resident} now={now} run={(command) => run(command)} />

        <h2>{m.live}</h2>
        <ul class="live" data-testid="live-events">
          {live.length === 0 ? <li class="muted">{m.liveEmpty}</li> : null}
          {live.map((n) => <li>{clock(n.event.at)} {kindLabel(n.event.type)} → {statusLabel(n.state.status)}</li>)}
        </ul>
        <h2>{m.handlingLog}</h2>
        <TimelineView entries={entries} />
      </div>
      <aside class="incident-side">
        {resident === undefined
          ? <p class="muted" data-testid={cardRefused === undefined ? undefined : "card-refused"}>{cardRefused ?? m.loadingCard}</p>
          : <ResidentCard resident={resident} incident={incident} checked={checked} onCheck={(i) => setChecked((s) => {
            const next = new Set(s)
            if (next.has(i)) next.delete(i)
            else next.add(i)
            return next
          })} />}
      </aside>
    </div>
  )
}
