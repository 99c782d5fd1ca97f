import { render } from "preact"
import { useEffect, useMemo, useState } from "preact/hooks"
import { AlarmSound, MuteMinutes } from "./alarm-sound.ts"
import { api, type Incident, type User } from "./api.ts"
import { IncidentView } from "./incident-view.tsx"
import { LiveQueue, useNow, useQueue } from "./live-queue.ts"
import { QueueView } from "./queue-view.tsx"
import { type ReportKind, ReportKinds } from "./report-client.ts"
import { ReportsPage } from "./reports-view.tsx"
import { Overview, TimelinePage } from "./supervisor-views.tsx"
import { AdminPage } from "./admin-views.tsx"
import { RecentIncidents } from "./recent-incidents.tsx"
import { useResidentLabels } from "./resident-labels.ts"
import { browserLanguage, type Language, Languages, language, setLanguage, t } from "./i18n.ts"
import "./styles.css"

type Route =
  | { readonly page: "queue" }
  | { readonly page: "incident"; readonly id: string }
  | { readonly page: "timeline"; readonly id: string }
  | { readonly page: "admin"; readonly tab: string | undefined; readonly id: string | undefined }
  | { readonly page: "incidents" }
  | { readonly page: "reports"; readonly kind: ReportKind }

const parseRoute = (hash: string): Route => {
  const [, page, id, sub] = hash.replace(/^#/, "").split("/")
  if (page === "incidents") return { page: "incidents" }
  if (page === "admin") return { page: "admin", tab: id, id: sub === undefined ? undefined : decodeURIComponent(sub) }
  if (page === "incident" && id !== undefined) return { page: "incident", id: decodeURIComponent(id) }
  if (page === "timeline" && id !== undefined) return { page: "timeline", id: decodeURIComponent(id) }
  if (page === "reports") return { page: "reports", kind: ReportKinds.find((k) => k.kind === id)?.kind ?? "sla" }
  return { page: "queue" }
}

const useRoute = (): Route => {
  const [route, setRoute] = useState(parseRoute(location.hash))
  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash))
    window.addEventListener("hashchange", onHash)
    return () => window.removeEventListener("hashchange", onHash)
  }, [])
  return route
}

const go = (hash: string) => {
  location.hash = hash
}

/** The language choice; `onChoose` stores it (with the user, once signed in). */
const LanguageSwitch = ({ onChoose }: { readonly onChoose: (language: Language) => void }) => {
  const m = t()
  return (
    <select class="language" data-testid="language-switch" aria-label={m.common.language} title={m.top.languageTitle} value={language()}
      onChange={(e) => onChoose(e.currentTarget.value as Language)}>
      {Languages.map((l) => <option value={l} lang={l}>{m.languageName[l]}</option>)}
    </select>
  )
}

const SignIn = ({ onSignedIn, onLanguage }: { readonly onSignedIn: (user: User) => void; readonly onLanguage: (language: Language) => void }) => {
  const [error, setError] = useState<string | undefined>()
  const m = t()
  return (
    <form class="sign-in" data-testid="sign-in" onSubmit={(e) => {
      e.preventDefault()
      const form = new FormData(e.currentTarget)
      api.signIn(String(form.get("username")), String(form.get("password"))).then(
        ({ user }) => onSignedIn(user),
        (err: unknown) => setError(err instanceof Error ? err.message : String(err))
      )
    }}>
      <h1>{m.common.brand}</h1>
      <input name="username" placeholder={m.signIn.username} autocomplete="username" required autofocus />
      <input name="password" type="password" placeholder={m.signIn.password} autocomplete="current-password" required />
      <button class="primary">{m.signIn.submit}</button>
      <LanguageSwitch onChoose={onLanguage} />
      {error !== undefined ? <p class="error" role="alert">{error}</p> : null}
    </form>
  )
}

const Console = ({ user, onSignOut, onLanguage }: { readonly user: User; readonly onSignOut: () => void; readonly onLanguage: (language: Language) => void }) => {
  // Signed out elsewhere, expired, or given other tenants or another role: the page starts
  // over from the session, which shows the sign-in form or the new scope.
  const queue = useMemo(() => new LiveQueue(() => location.reload()), [])
  const sound = useMemo(() => new AlarmSound(() => queue.list()), [queue])
  const incidents = useQueue(queue)
  const labels = useResidentLabels(incidents)
  const now = useNow(1000)
  const route = useRoute()
  const [selected, setSelected] = useState(0)
  const [message, setMessage] = useState<{ text: string; at: number } | undefined>()
  const [, rerender] = useState(0)

  // The session ends after WT_SESSION_IDLE without use; the live stream alone is not use. While
  // the user types or moves the pointer, the server hears of it at most once a minute.
  useEffect(() => {
    let lastTold = Date.now()
    const stillHere = () => {
      if (Date.now() - lastTold < 60_000) return
      lastTold = Date.now()
      void api.stillHere().catch(() => undefined)
    }
    const events = ["keydown", "pointerdown", "pointermove", "wheel"] as const
    for (const e of events) window.addEventListener(e, stillHere, { passive: true })
    return () => {
      for (const e of events) window.removeEventListener(e, stillHere)
    }
  }, [])

  useEffect(() => {
    queue.start()
    sound.start()
    return () => {
      queue.stop()
      sound.stop()
    }
  }, [queue, sound])

  const say = (text: string) => setMessage({ text, at: Date.now() })

  const claim = async (incident: Incident) => {
    try {
      queue.put(await api.claim(incident.incidentId))
      go(`#/incident/${incident.incidentId}`)
    } catch (error) {
      // A lost race names the winner: "claimed by Ola Nordmann".
      say(error instanceof Error ? error.message : String(error))
    }
  }

  useEffect(() => {
    if (route.page !== "queue") return
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null
      if (target !== null && ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName)) return
      const list = queue.list()
      const current = list[Math.min(selected, list.length - 1)]
      if (e.key === "j" || e.key === "ArrowDown") setSelected((s) => Math.min(s + 1, list.length - 1))
      else if (e.key === "k" || e.key === "ArrowUp") setSelected((s) => Math.max(s - 1, 0))
      else if ((e.key === "Enter" || e.key === "c") && current !== undefined) {
        if (current.status === "open") void claim(current)
        else go(`#/incident/${current.incidentId}`)
      } else if (e.key === "o" && current !== undefined) go(`#/incident/${current.incidentId}`)
      else if (e.key === "m") {
        if (sound.isMuted()) sound.unmute()
        else sound.mute()
        rerender((n) => n + 1)
      } else return
      e.preventDefault()
    }
    window.addEventListener("keydown", onKey)
    return () => window.removeEventListener("keydown", onKey)
  }, [route.page, selected, queue])

  const muted = sound.isMuted(now)
  const supervisor = user.role === "supervisor" || user.role === "admin"
  const m = t()
  return (
    <>
      <header class="top">
        <a class="brand" href="#/">{m.common.brand}</a>
        {user.role !== "operator" ? <a href="#/incidents" data-testid="incidents-link">{m.top.incidents}</a> : null}
        {user.role === "admin" ? <a href="#/admin/residents" data-testid="admin-link">{m.top.registry}</a> : null}
        <span class="who" data-testid="who">{user.displayName} · {m.roles[user.role] ?? user.role} · {user.tenants.join(", ")}</span>
        {supervisor ? <a href="#/reports/sla" data-testid="reports-link">{m.top.reports}</a> : null}
        <span class={`conn ${queue.connected ? "up" : "down"}`}>{queue.connected ? m.top.live : m.top.reconnecting}</span>
        <button
          class={`mute ${muted ? "on" : ""} ${sound.sounding.length > 0 && !muted ? "ringing" : ""}`}
          data-testid="mute"
          onClick={() => { if (muted) sound.unmute(); else sound.mute(); rerender((n) => n + 1) }}
          title={m.top.muteTitle(MuteMinutes)}
        >
          {muted ? m.top.muted(String(Math.ceil((sound.mutedUntil - now) / 1000))) : sound.sounding.length > 0 ? m.top.sounding(sound.sounding[0]!) : m.top.soundOn}
        </button>
        <LanguageSwitch onChoose={onLanguage} />
        <button onClick={() => void api.signOut().finally(onSignOut)}>{m.top.signOut}</button>
        <button
          data-testid="sign-out-everywhere"
          title={m.top.signOutEverywhereTitle}
          onClick={() => { if (confirm(m.top.signOutEverywhereConfirm)) void api.signOutEverywhere().finally(onSignOut) }}
        >
          {m.top.signOutEverywhere}
        </button>
      </header>
      {message !== undefined && now - message.at < 8000
        ? <div class="toast" role="alert" data-testid="toast" onClick={() => setMessage(undefined)}>{message.text}</div>
        : null}
      <main>
        {route.page === "queue" ? (
          <>
            {supervisor ? <Overview incidents={incidents} now={now} /> : null}
            <QueueView
              incidents={incidents}
              now={now}
              selected={Math.min(selected, Math.max(0, incidents.length - 1))}
              onSelect={setSelected}
              onClaim={(i) => void claim(i)}
              onOpen={(i) => go(`#/incident/${i.incidentId}`)}
              labels={labels}
            />
            <p class="keys">{m.top.keys}</p>
          </>
        ) : route.page === "incident" ? (
          <IncidentView key={route.id} incidentId={route.id} queue={queue} user={user} now={now} onBack={() => go("#/")} onError={say} />
        ) : route.page === "incidents" ? (
          <RecentIncidents />
        ) : route.page === "admin" ? (
          <AdminPage user={user} tab={route.tab} id={route.id} />
        ) : route.page === "reports" ? (
          <ReportsPage kind={route.kind} user={user} />
        ) : (
          <TimelinePage key={route.id} incidentId={route.id} queue={queue} />
        )}
      </main>
    </>
  )
}

const App = () => {
  const [user, setUser] = useState<User | undefined | null>(undefined)
  // The words follow the language; a change re-renders every page from here.
  const [, setShown] = useState<Language>(language())
  const show = (next: Language) => {
    setLanguage(next)
    setShown(next)
  }
  // A language picked on the sign-in form is the user's choice: kept with the user once signed in.
  const [picked, setPicked] = useState(false)
  // The user's own choice, once known; until they choose, the browser's.
  const signedIn = (u: User) => {
    if (u.language !== undefined && !picked) show(u.language)
    else if (picked) void api.chooseLanguage(language()).catch(() => undefined)
    setUser(u)
  }
  useEffect(() => {
    show(browserLanguage())
    api.current().then(signedIn, () => setUser(null))
  }, [])
  if (user === undefined) return null
  if (user === null) return <SignIn onSignedIn={signedIn} onLanguage={(next) => { setPicked(true); show(next) }} />
  const choose = (next: Language) => {
    show(next)
    api.chooseLanguage(next).then(setUser, () => undefined)
  }
  return <Console user={user} onSignOut={() => setUser(null)} onLanguage={choose} />
}

render(<App />, document.getElementById("app")!)
