import { mkdirSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { expect, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import type { Browser, Page } from "playwright-core"
import { AuditEntry, Streams, Subjects } from "@wt/contracts"
import { readSubject } from "@wt/nats"
import { ensureWebBuilt, launchChromium } from "../support/browser.ts"
import { demoFleet } from "@wt/registry/demo"
import { alarmDevice, gpsDevice, pendantAlarm } from "../support/events.ts"
import { eventually, postJson } from "../support/http.ts"
import { E2ESystem } from "../support/system.ts"

ensureWebBuilt()

const screenshots = fileURLToPath(new URL("./screenshots/", import.meta.url))
mkdirSync(screenshots, { recursive: true })

const decodeEntry = Schema.decodeUnknownSync(Schema.fromJsonString(AuditEntry))

const promise = <A>(f: () => Promise<A>) => Effect.promise(f)

type Language = "en" | "nb"

/**
 * How a browser is set up, and the language its user picks in the console. The browser's own
 * language and clock are set against the choice (a Norwegian browser for the English run, a UTC
 * clock for the Norwegian one): the page must follow the user's stored choice and Oslo time.
 */
const browsers: Record<Language, { readonly locale: string; readonly timezoneId: string }> = {
  en: { locale: "nb-NO", timezoneId: "Europe/Oslo" },
  nb: { locale: "en-GB", timezoneId: "UTC" }
}

/** What the page says in each language (services/console/web/src/i18n.ts). */
const words = {
  en: {
    signOut: "Sign out",
    sounding: "P1 sounding",
    muted: /muted 1[12]\d s/,
    headline: "safety alarm",
    live: ["contact recorded", "note added", "incident resolved"],
    dateTime: /^\d{2}\/\d{2}\/\d{4}, (\d{2}):\d{2}:\d{2}\.\d{3}$/,
    operator: "Demo Operator (operator)",
    conversation: "8 conversation",
    queueOwner: "queue",
    // The timeline's what column, worded from each entry's data (timeline-what.ts); what the operator typed as typed.
    received: /^device event safety alarm · pendant from alarm-\d+ \(received \d{2}\/\d{2}\/\d{4}, \d{2}:\d{2}:\d{2}\.\d{3}, id [0-9a-f-]{36}\)$/,
    opened: "incident opened as P1 safety alarm · pendant (care), owned by the queue",
    resolved: "resolved by Demo Operator; cause: fall, no injury; action: home care helped the resident up"
  },
  nb: {
    signOut: "Logg ut",
    sounding: "P1 lyder",
    muted: /dempet 1[12]\d s/,
    headline: "trygghetsalarm",
    live: ["samtale registrert", "notat lagt til", "hendelse ferdigbehandlet"],
    dateTime: /^\d{2}\.\d{2}\.\d{4}, (\d{2}):\d{2}:\d{2},\d{3}$/,
    operator: "Demo Operator (operatør)",
    conversation: "8 samtale",
    queueOwner: "kø",
    received: /^hendelse fra utstyr trygghetsalarm · alarmknapp \(armbånd\/anheng\) fra alarm-\d+ \(mottatt \d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}:\d{2},\d{3}, id [0-9a-f-]{36}\)$/,
    opened: "hendelse opprettet som P1 trygghetsalarm · alarmknapp (armbånd/anheng) (omsorg), eid av køen",
    resolved: "ferdigbehandlet av Demo Operator; årsak: fall, no injury; tiltak: home care helped the resident up"
  }
} as const

/** The hour in Oslo now (and a minute ago, for a test that runs across the hour). */
const osloHours = () =>
  [Date.now(), Date.now() - 60_000].map((at) => new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Oslo", hour: "2-digit", hourCycle: "h23" }).format(at))

/**
 * A fresh browser context (its own cookies) signed in through the sign-in form; the user then
 * picks `language` in the header, which keeps it with the user (PUT /api/session/language).
 */
const signedInPage = (browser: Browser, consoleUrl: string, username: string, password: string, language: Language = "en") =>
  promise(async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 860 }, ...browsers[language] })
    const page = await context.newPage()
    await page.goto(consoleUrl)
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", password)
    await page.click("form[data-testid=sign-in] button")
    await page.locator("[data-testid=who]").waitFor()
    const chosen = page.waitForResponse((r) => r.url().endsWith("/api/session/language") && r.status() === 200)
    await page.selectOption("[data-testid=language-switch]", language)
    await chosen
    await page.locator("header.top button", { hasText: new RegExp(`^${words[language].signOut}$`, "u") }).waitFor()
    // The live stream is connected before anything is posted: the queue must update without a reload.
    await page.locator(".conn.up").waitFor()
    return page
  })

/** Where each run keeps its pictures: the English ones under their old names, the Norwegian ones as no-*. */
const picture = (language: Language, name: string) => `${screenshots}${language === "nb" ? `no-${name}` : name}.png`

const row = (page: Page, residentId: string) => page.locator("tr.row", { hasText: residentId })

layer(E2ESystem.layerWithNats, { excludeTestServices: true, timeout: "120 seconds" })("the operator console in a real browser", (it) => {
  // The main flow once in each language, each with its own residents (the same system, one after the other).
  for (const [language, first] of [["en", 20], ["nb", 22]] as const) {
  it.effect(`[${language}] an operator sees a P1 within 1 s, claims it, reads the card, follows the plan, logs a conversation and resolves; a second operator and a supervisor see it all`, () =>
    Effect.gen(function*() {
      const w = words[language]
      const sys = yield* E2ESystem
      const browser = yield* launchChromium
      const kari = yield* signedInPage(browser, sys.consoleUrl, "operator", sys.password, language)
      const ola = yield* signedInPage(browser, sys.consoleUrl, "operator2", sys.password, language)
      // The choice is the user's: after a reload the page still speaks it, whatever the browser's language.
      yield* promise(async () => {
        await kari.reload()
        await kari.locator("header.top button", { hasText: new RegExp(`^${w.signOut}$`, "u") }).waitFor()
        await kari.locator(".conn.up").waitFor()
      })
      expect(yield* promise(() => kari.evaluate<string>("document.documentElement.lang"))).toBe(language)
      const ingest = (event: unknown) => postJson(`${sys.ingestUrl}/v1/events`, event, { authorization: `Bearer ${sys.ingestKey}` })

      // Something already waiting, so the queue shows more than one row.
      const older = alarmDevice(first + 1)
      yield* ingest(pendantAlarm(older.deviceId, { type: "technical", payload: { event: "low_battery" } } as never))
      yield* promise(() => row(kari, older.residentId).waitFor({ timeout: 5000 }))

      // A P1, posted to ingest, appears in the open page without a reload.
      const { deviceId, residentId } = alarmDevice(first)
      const postedAt = Date.now()
      const accepted = yield* ingest(pendantAlarm(deviceId))
      expect(accepted.status).toBe(202)
      yield* promise(() => row(kari, residentId).waitFor({ timeout: 1000 }))
      const latencyMs = Date.now() - postedAt
      console.log(`P1 ingest → visible in the browser queue: ${latencyMs} ms`)
      expect(latencyMs).toBeLessThan(1000)
      const p1 = row(kari, residentId)
      expect(yield* promise(() => p1.getAttribute("data-priority"))).toBe("P1")
      expect(yield* promise(() => p1.locator("[data-testid=headline]").textContent())).toContain(w.headline)
      const incidentId = (yield* promise(() => p1.getAttribute("data-incident")))!
      // The age counts up while it waits.
      const age1 = yield* promise(() => p1.locator("[data-testid=age]").textContent())
      yield* promise(() => p1.locator("[data-testid=age]").filter({ hasNotText: age1 ?? "" }).waitFor({ timeout: 3000 }))
      yield* promise(() => row(ola, residentId).waitFor({ timeout: 1000 }))
      // The alarm sounds until someone takes it; the mute is visible and limited in time.
      expect(yield* promise(() => kari.locator("[data-testid=mute]").textContent())).toContain(w.sounding)
      yield* promise(() => kari.screenshot({ path: picture(language, "queue") }))
      yield* promise(() => kari.click("[data-testid=mute]"))
      expect(yield* promise(() => kari.locator("[data-testid=mute]").textContent())).toMatch(w.muted)

      // Claimed with the keyboard: move to the P1 (it is first: most urgent) and press c.
      yield* promise(() => kari.keyboard.press("k"))
      yield* promise(() => kari.keyboard.press("c"))
      yield* promise(() => kari.locator("[data-testid=incident][data-status=claimed]").waitFor({ timeout: 3000 }))
      // The other operator sees the claim at once, with who took it.
      const claimSeenAt = Date.now()
      yield* promise(() => row(ola, residentId).locator("[data-testid=status]", { hasText: "Demo Operator" }).waitFor({ timeout: 1000 }))
      console.log(`claim → visible to the second operator: ≤ ${Date.now() - claimSeenAt} ms after the claim answered`)
      // And a claim of theirs (made before their page caught up) is told who won.
      const lost = yield* promise(() => ola.evaluate(async (id) => {
        const r = await fetch(`/api/incidents/${id}/claim`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })
        return { status: r.status, body: await r.json() as { message: string } }
      }, incidentId))
      expect(lost).toEqual({ status: 409, body: expect.objectContaining({ message: "claimed by Demo Operator" }) })

      // The resident card: read once for this incident, and audited.
      const card = kari.locator("[data-testid=resident-card]")
      yield* promise(() => card.waitFor({ timeout: 3000 }))
      expect(yield* promise(() => card.locator("[data-testid=contacts] li").count())).toBeGreaterThan(0)
      expect(yield* promise(() => card.locator("[data-testid=language]").textContent())).not.toBe("")
      const view = yield* eventually(
        Effect.map(readSubject(Streams.audit, Subjects.audit("demo", "record_view")), (ms) =>
          ms.map((m) => decodeEntry(new TextDecoder().decode(m.data))).find((e) => e.subject.incidentId === incidentId)),
        3000
      )
      expect(view).toMatchObject({ kind: "record_view", actor: { kind: "operator", name: "Demo Operator" }, subject: { residentId, incidentId } })

      // The plan for a pendant alarm, followed step by step.
      const steps = card.locator("[data-testid=plan] input[type=checkbox]")
      const stepCount = yield* promise(() => steps.count())
      expect(stepCount).toBeGreaterThan(0)
      for (let i = 0; i < stepCount; i++) yield* promise(() => steps.nth(i).check())
      yield* promise(() => card.screenshot({ path: picture(language, "resident-card") }))
      if (language === "nb") yield* promise(() => kari.screenshot({ path: picture(language, "incident") }))

      // A conversation, a note and the resolution, by keyboard; each lands in the live log.
      yield* promise(async () => {
        await kari.locator("body").click({ position: { x: 5, y: 5 } })
        await kari.keyboard.press("t")
        await kari.keyboard.type("resident, by the alarm unit")
        await kari.keyboard.press("Enter")
        await kari.locator("[data-testid=incident][data-status=in_contact]").waitFor({ timeout: 3000 })
        await kari.keyboard.press("Escape")
        await kari.keyboard.press("n")
        await kari.keyboard.type("Fell in the bathroom, not hurt; helped up by home care")
        await kari.keyboard.press("Enter")
        await kari.locator("[data-testid=timeline] tr[data-kind=note_added]").waitFor({ timeout: 3000 })
        await kari.keyboard.press("Escape")
        await kari.keyboard.press("r")
        await kari.keyboard.type("fall, no injury")
        await kari.keyboard.press("Tab")
        await kari.keyboard.type("home care helped the resident up")
        await kari.keyboard.press("Enter")
        await kari.locator("[data-testid=incident][data-status=resolved]").waitFor({ timeout: 3000 })
        // The status comes from the command's answer, the live log from the stream: the log may be a moment behind.
        await kari.locator("[data-testid=live-events] li", { hasText: w.live.at(-1)! }).waitFor({ timeout: 3000 })
      })
      expect(yield* promise(() => kari.locator("[data-testid=live-events] li").allTextContents())).toEqual(
        expect.arrayContaining(w.live.map((kind) => expect.stringContaining(kind)))
      )
      // Resolved incidents leave everyone's queue.
      yield* promise(() => row(ola, residentId).waitFor({ state: "detached", timeout: 2000 }))

      // A supervisor reads the whole story: every step, who and when, and who owned it when.
      const boss = yield* signedInPage(browser, sys.consoleUrl, "supervisor", sys.password, language)
      // Finished incidents are off the queue: the supervisor finds it under Incidents.
      yield* promise(async () => {
        await boss.click("[data-testid=incidents-link]")
        await boss.locator(`[data-testid=recent-incidents] tr[data-incident="${incidentId}"] a`).click()
      })
      const timeline = boss.locator("[data-testid=timeline]")
      yield* promise(() => timeline.locator("tr[data-kind=incident_resolved]").waitFor({ timeout: 3000 }))
      const rows = yield* promise(() => timeline.locator("tbody tr").evaluateAll((trs) =>
        trs.map((tr) => ({ kind: tr.getAttribute("data-kind"), cells: [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "") }))))
      expect(rows.map((r) => r.kind)).toEqual(expect.arrayContaining([
        "device_event", "triage_decision", "incident_opened", "incident_claimed", "contact_recorded", "note_added", "incident_resolved"
      ]))
      // Dates and times as the language writes them, in Oslo time whatever the browser's clock says.
      for (const r of rows) expect(r.cells[0]).toMatch(w.dateTime)
      expect(osloHours()).toContain(w.dateTime.exec(rows.find((r) => r.kind === "incident_resolved")!.cells[0]!)![1])
      for (const kind of ["incident_claimed", "contact_recorded", "note_added", "incident_resolved"]) {
        expect(rows.find((r) => r.kind === kind)?.cells[1]).toBe(w.operator)
      }
      expect(rows.find((r) => r.kind === "contact_recorded")?.cells[2]).toBe(w.conversation)
      expect(rows.find((r) => r.kind === "device_event")?.cells[3]).toMatch(w.received)
      expect(rows.find((r) => r.kind === "incident_opened")?.cells[3]).toContain(w.opened)
      expect(rows.find((r) => r.kind === "incident_resolved")?.cells[3]).toContain(w.resolved)
      const owners = yield* promise(() => boss.locator("[data-testid=ownership] tbody tr td:first-child").allTextContents())
      expect(owners).toEqual([w.queueOwner, "Demo Operator"])
      yield* promise(() => boss.screenshot({ path: picture(language, "timeline"), fullPage: true }))
    }))
  }

  it.effect("[nb] a tracker's wearer walks out of the geofence: the GPS incident shows the track, the fence and the home on a map drawn from the data (nothing fetched from elsewhere), audited as a view of the record", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const browser = yield* launchChromium
      const { deviceId, residentId } = gpsDevice(50)
      const resident = demoFleet().residents.find((r) => r.id === residentId)!
      const fence = resident.geofence!
      const ingest = (event: unknown) => postJson(`${sys.ingestUrl}/v1/events`, event, { authorization: `Bearer ${sys.ingestKey}` })

      const page = yield* signedInPage(browser, sys.consoleUrl, "operator", sys.password, "nb")
      // What the page asks for, and any CSP violation: a map drawn from the data needs nothing from elsewhere.
      const requested: Array<string> = []
      page.on("request", (r) => requested.push(r.url()))
      yield* promise(() => page.evaluate(`window.__violations = []; document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(e.violatedDirective))`))

      // Twelve minutes of walking: from home, north-east and out through the fence to 1.6 × its radius.
      const steps = 10
      const mPerDegLat = 111_195
      const mPerDegLon = mPerDegLat * Math.cos((fence.lat * Math.PI) / 180)
      for (let i = 0; i < steps; i++) {
        const along = (1.6 * fence.radiusM * i) / (steps - 1)
        const bend = Math.sin((i / (steps - 1)) * Math.PI) * fence.radiusM * 0.25
        const at = new Date(Date.now() - (steps - 1 - i) * 80_000).toISOString()
        const posted = yield* ingest(pendantAlarm(deviceId, {
          type: "gps",
          occurredAt: at,
          source: { via: "osmand", vendor: "e2e" },
          payload: { lat: fence.lat + (along * 0.8 + bend) / mPerDegLat, lon: fence.lon + (along * 0.6 - bend) / mPerDegLon, accuracyM: 12 }
        } as never))
        expect(posted.status).toBe(202)
      }

      // The person outside the fence is an incident; claimed, its card opens with the map first.
      const gpsRow = row(page, residentId)
      yield* promise(() => gpsRow.waitFor({ timeout: 5000 }))
      expect(yield* promise(() => gpsRow.locator("[data-testid=headline]").textContent())).toContain("lokalisering (GPS)")
      yield* promise(() => gpsRow.locator("button.claim").click())
      const map = page.locator("[data-testid=resident-card] [data-testid=position-map]")
      yield* promise(() => page.locator(`[data-testid=resident-card] [data-testid=position-map][data-positions="${steps}"]`).waitFor({ timeout: 10_000 }))
      yield* promise(() => map.locator("[data-testid=map-track]").waitFor())
      expect(yield* promise(() => map.locator("[data-testid=map-fence] text").textContent())).toBe(`geogjerde ${fence.radiusM.toLocaleString("nb-NO")} m`)
      expect(yield* promise(() => map.locator("[data-testid=map-home] text").textContent())).toBe("hjem")
      expect(yield* promise(() => map.locator("[data-testid=map-fence-state]").textContent())).toBe("utenfor geogjerdet")
      expect(yield* promise(() => map.locator("[data-testid=map-scale] text").textContent())).toMatch(/^\d+ (m|km)$/u)
      expect(yield* promise(() => map.locator("[data-testid=map-north] text").textContent())).toBe("N")
      expect(yield* promise(() => map.locator("[data-testid=map-last]").textContent())).toMatch(/^Siste posisjon \d{2}:\d{2}:\d{2} \(for \d+ s siden\)$/u)
      expect(yield* promise(() => map.locator("image").count())).toBe(0)
      yield* promise(() => map.screenshot({ path: picture("nb", "map") }))

      // Nothing was fetched from anywhere but the console, and the CSP was never crossed.
      expect(requested.filter((url) => !url.startsWith(sys.consoleUrl))).toEqual([])
      expect(yield* promise(() => page.evaluate<Array<string>>("window.__violations"))).toEqual([])

      // The read of the positions is in the audit trail: who, which resident, which incident, how many; never where.
      const incidentId = (yield* promise(() => page.locator("[data-testid=incident]").getAttribute("data-incident")))!
      const view = yield* eventually(
        Effect.map(readSubject(Streams.audit, Subjects.audit("demo", "record_view")), (ms) =>
          ms.map((m) => decodeEntry(new TextDecoder().decode(m.data))).find((e) => e.subject.incidentId === incidentId && JSON.stringify(e.data).includes("positions"))),
        3000
      )
      expect(view).toMatchObject({ actor: { kind: "operator", name: "Demo Operator" }, subject: { residentId, incidentId }, data: { view: "positions", positions: steps } })
      expect(JSON.stringify(view)).not.toContain(String(fence.lat).slice(0, 6))
    }))

  it.effect("two operators click Claim on the same P1 at once: one wins, the other is told who; the supervisor's overview shows it live", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const browser = yield* launchChromium
      const kari = yield* signedInPage(browser, sys.consoleUrl, "operator", sys.password)
      const ola = yield* signedInPage(browser, sys.consoleUrl, "operator2", sys.password)
      const boss = yield* signedInPage(browser, sys.consoleUrl, "supervisor", sys.password)
      const ingest = (event: unknown) => postJson(`${sys.ingestUrl}/v1/events`, event, { authorization: `Bearer ${sys.ingestKey}` })

      const { deviceId, residentId } = alarmDevice(30)
      expect((yield* ingest(pendantAlarm(deviceId))).status).toBe(202)
      yield* promise(() => Promise.all([kari, ola, boss].map((p) => row(p, residentId).waitFor({ timeout: 2000 }))))
      // The queue names the resident, not only the id.
      expect(yield* promise(() => row(kari, residentId).locator("[data-testid=resident] strong").textContent())).not.toBe("")

      // The supervisor's overview counts it as a waiting P1, with both operators signed in.
      yield* promise(() => boss.locator("[data-testid=waiting-P1] .n", { hasText: /^[1-9]/ }).waitFor({ timeout: 2000 }))
      yield* promise(() => boss.locator("[data-testid=operators-signed-in] .n", { hasText: "2" }).waitFor({ timeout: 7000 }))
      expect(yield* promise(() => boss.locator("[data-testid=flood]").getAttribute("data-flood"))).toBe("normal")
      yield* promise(() => boss.screenshot({ path: `${screenshots}overview.png` }))

      // Both click at the same moment.
      const incidentId = (yield* promise(() => row(kari, residentId).getAttribute("data-incident")))!
      yield* promise(() => Promise.all([kari, ola].map((p) => row(p, residentId).locator("button.claim").click())))
      // Exactly one of them holds it now.
      const winnerName = yield* eventually(
        Effect.promise(() => kari.evaluate(async (id) => {
          const incident = await (await fetch(`/api/incidents/${id}`)).json() as { status: string; owner: { kind: string; name?: string } }
          return incident.owner.kind === "operator" ? incident.owner.name : undefined
        }, incidentId)),
        3000
      )
      const [winner, loser] = winnerName === "Demo Operator" ? [kari, ola] : [ola, kari]
      // The winner's page opens the incident (its card, its audited resident read): not a latency
      // target. Under a full test run on two cores it has taken over 2 s, and over 5 s on a slow
      // machine while the dispatch tests offered 1,000 incidents beside it, hence the wide timeout.
      yield* promise(() => winner.locator("[data-testid=incident][data-status=claimed]").waitFor({ timeout: 15_000 }))
      // The loser is told who won, at once: "claimed by …" when their claim lost the race, or (if the
      // news beat their click) the row or incident already names the winner.
      const told = loser.locator("[data-testid=toast]", { hasText: `claimed by ${winnerName}` })
        .or(row(loser, residentId).locator("[data-testid=status]", { hasText: winnerName! }))
        .or(loser.locator("[data-testid=incident] .owner", { hasText: winnerName! }))
      yield* promise(() => told.first().waitFor({ timeout: 1000 }))
      console.log(`claim race: ${winnerName} won; the other saw: ${yield* promise(() => told.first().textContent())}`)
      // And the supervisor sees it change hands without a reload.
      yield* promise(() => row(boss, residentId).locator("[data-testid=status]", { hasText: winnerName! }).waitFor({ timeout: 1000 }))
    }))

  it.effect("an administrator adds a temporary address in the browser; the operator's card shows it and the change is audited", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const browser = yield* launchChromium
      const admin = yield* signedInPage(browser, sys.consoleUrl, "admin", sys.password)
      const { deviceId, residentId } = alarmDevice(40)

      yield* promise(async () => {
        await admin.click("[data-testid=admin-link]")
        await admin.locator("[data-testid=resident-list]").waitFor()
        await admin.fill("[data-testid=resident-filter]", residentId)
        await admin.locator(`tr[data-resident=${residentId}] a`).click()
        await admin.locator("[data-testid=resident-editor]").waitFor()
        const before = await admin.locator("[data-testid=addresses] .address-row").count()
        await admin.click("[data-testid=add-temporary]")
        const i = before
        await admin.fill(`input[name=address-${i}-street]`, "Korttidsavdelingen, Fjordvik sykehjem")
        await admin.fill(`input[name=address-${i}-postcode]`, "9900")
        await admin.fill(`input[name=address-${i}-city]`, "Fjordvik")
        const today = new Date()
        const inDays = (d: number) => new Date(today.getTime() + d * 86_400_000).toISOString().slice(0, 10)
        await admin.fill(`input[name=address-${i}-from]`, inDays(-1))
        await admin.fill(`input[name=address-${i}-to]`, inDays(14))
        await admin.click("[data-testid=save-resident]")
        await admin.locator("[data-testid=admin-saved]").waitFor({ timeout: 3000 })
        await admin.locator("[data-testid=cache-note]").waitFor()
        await admin.screenshot({ path: `${screenshots}admin-resident.png`, fullPage: true })
      })

      const change = yield* eventually(
        Effect.map(readSubject(Streams.audit, Subjects.audit("demo", "config_change")), (ms) =>
          ms.map((m) => decodeEntry(new TextDecoder().decode(m.data))).find((e) => e.subject.residentId === residentId)),
        3000
      )
      expect(change).toMatchObject({ actor: { kind: "admin", name: "Demo Admin" }, data: { entity: "resident", fields: ["addresses"] } })
      expect(JSON.stringify(change)).not.toContain("Korttidsavdelingen")

      // The operator handling this resident's next alarm sees where the resident is now.
      const kari = yield* signedInPage(browser, sys.consoleUrl, "operator", sys.password)
      const ingest = (event: unknown) => postJson(`${sys.ingestUrl}/v1/events`, event, { authorization: `Bearer ${sys.ingestKey}` })
      expect((yield* ingest(pendantAlarm(deviceId))).status).toBe(202)
      yield* promise(() => row(kari, residentId).locator(".tag.temporary").waitFor({ timeout: 3000 }))
      yield* promise(() => row(kari, residentId).locator("button").click())
      const card = kari.locator("[data-testid=resident-card]")
      yield* promise(() => card.locator("li.temporary.current", { hasText: "Korttidsavdelingen" }).waitFor({ timeout: 3000 }))
    }))
})
