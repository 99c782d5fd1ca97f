import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import type { Browser, Page } from "playwright-core"
import { ensureWebBuilt, launchChromium } from "../support/browser.ts"
import { alarmDevice, pendantAlarm } from "../support/events.ts"
import { postJson, queuedIncident, signIn } from "../support/http.ts"
import { E2ESystem } from "../support/system.ts"

ensureWebBuilt()

const promise = <A>(f: () => Promise<A>) => Effect.promise(f)

// What the headline is for: a P1 pendant alarm for a resident with an open P4 fault is headlined as a
// safety alarm on the queue, and from the sound to the claimed incident with the resident card
// open takes at most two keystrokes. The page's own clock measures it: a wrapper around
// AudioContext.createOscillator notes when each tone starts (the P1 pattern is a 1320 Hz square
// wave), a keydown listener notes each key the operator presses. Plain script text: it runs in
// the page, where the test's types do not reach.
const instrument = `
  window.__wtTones = []
  window.__wtKeys = []
  const create = AudioContext.prototype.createOscillator
  AudioContext.prototype.createOscillator = function() {
    const osc = create.call(this)
    window.__wtTones.push({ at: performance.now(), osc })
    return osc
  }
  window.addEventListener("keydown", (e) => window.__wtKeys.push({ at: performance.now(), key: e.key }), { capture: true })
`

// The predicates run in the page (serialised, so nothing from this module's scope) and read its
// globals untyped: the tests have no DOM types. A string predicate would be evaluated with eval,
// which the console's CSP refuses.

/** When (page clock) the first P1 tone started after `since`; waits for it. */
const p1SoundAfter = (page: Page, since: number) =>
  page.waitForFunction((after: number) => {
    const tone = (globalThis as any).__wtTones.find((t: any) => t.at > after && t.osc.type === "square" && t.osc.frequency.value === 1320)
    return tone === undefined ? false : tone.at
  }, since, { timeout: 10_000, polling: 10 }).then((h) => h.jsonValue() as Promise<number>)

/**
 * When (page clock) a claimed incident, other than `previous`, is on screen with its resident
 * card, and which one; waits for it.
 */
const cardOpenAt = (page: Page, previous?: string) =>
  page.waitForFunction((before: string | null) => {
    const w = globalThis as any
    const open = [...w.document.querySelectorAll("[data-testid=incident][data-status=claimed]")]
      .find((e: any) => e.dataset.incident !== before && e.querySelector("[data-testid=resident-card]") !== null) as any
    return open === undefined ? false : { at: w.performance.now(), incidentId: open.dataset.incident, hash: w.location.hash }
  }, previous ?? null, { timeout: 20_000, polling: 10 }).then((h) => h.jsonValue() as Promise<{ at: number; incidentId: string; hash: string }>)

/** The keys pressed between two instants of the page clock, with when. */
const keysBetween = (page: Page, from: number, to: number) =>
  page.evaluate<Array<{ key: string; at: number }>>(`window.__wtKeys.filter((k) => k.at >= ${from} && k.at <= ${to})`)

const report = (what: string, soundAt: number, cardAt: number, keys: ReadonlyArray<{ key: string; at: number }>) =>
  console.log(`${what}: ${Math.round(cardAt - soundAt)} ms from the sound, ${keys.length} keystroke(s) (${keys.map((k) => k.key).join(", ")}), ` +
    `${Math.round(cardAt - (keys[0]?.at ?? soundAt))} ms from the first key`)

const pageNow = (page: Page) => page.evaluate<number>("performance.now()")

const signedInPage = (browser: Browser, consoleUrl: string, password: string, locale: string) =>
  promise(async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 860 }, locale, timezoneId: "Europe/Oslo" })
    await context.addInitScript({ content: instrument })
    const page = await context.newPage()
    await page.goto(consoleUrl)
    await page.fill("input[name=username]", "operator")
    await page.fill("input[name=password]", password)
    await page.click("form[data-testid=sign-in] button")
    await page.locator("[data-testid=who]").waitFor()
    await page.locator(".conn.up").waitFor()
    return page
  })

const row = (page: Page, residentId: string) => page.locator("tr.row", { hasText: residentId })

/** The words each language heads and lists the signals with (services/console/web/src/i18n.ts when it exists). */
const words = {
  en: { locale: "en-GB", safetyAlarm: "safety alarm", pendant: "pendant", lowBattery: "low battery" },
  nb: { locale: "nb-NO", safetyAlarm: "trygghetsalarm", pendant: "alarmknapp", lowBattery: "lavt batteri" }
} as const

// Norwegian runs as well where the web app has its translations (i18n.ts); without them, English only.
const translated = existsSync(fileURLToPath(new URL("../../services/console/web/src/i18n.ts", import.meta.url)))
const languages = translated ? (["en", "nb"] as const) : (["en"] as const)

layer(E2ESystem.layerWithNats, { excludeTestServices: true, timeout: "150 seconds" })("the headline and the answer key in a real browser", (it) => {
  languages.forEach((language, n) => {
    it.effect(`[${language}] a P1 pendant alarm joining a P4 fault is headlined '${words[language].safetyAlarm}' on the queue; from the sound to the claimed incident with the card open takes one key, or two from a text field`, () =>
      Effect.gen(function*() {
        const w = words[language]
        const sys = yield* E2ESystem
        const browser = yield* launchChromium
        const page = yield* signedInPage(browser, sys.consoleUrl, sys.password, w.locale)
        const ingest = (event: unknown) => postJson(`${sys.ingestUrl}/v1/events`, event, { authorization: `Bearer ${sys.ingestKey}` })
        const faulty = alarmDevice(60 + n * 10)
        const other = alarmDevice(61 + n * 10)
        const next = alarmDevice(62 + n * 10)
        const token = yield* signIn(sys.consoleUrl, "supervisor", sys.password)

        // Two residents' devices report a low battery: two P4 incidents wait.
        for (const device of [faulty, other]) {
          expect((yield* ingest(pendantAlarm(device.deviceId, { type: "technical", payload: { event: "low_battery" } } as never))).status).toBe(202)
          yield* promise(() => row(page, device.residentId).waitFor({ timeout: 5000 }))
        }
        expect(yield* promise(() => row(page, faulty.residentId).locator("[data-testid=headline]").getAttribute("data-alarm-type"))).toBe("technical:low_battery")
        // The operator has the other resident's row selected: the answer key must not take that one.
        yield* promise(() => row(page, other.residentId).click())

        // The pendant alarm of the resident whose battery is low joins that incident and heads it.
        const since = yield* promise(() => pageNow(page))
        expect((yield* ingest(pendantAlarm(faulty.deviceId))).status).toBe(202)
        const p1 = page.locator(`tr.row[data-priority=P1]`, { hasText: faulty.residentId })
        yield* promise(() => p1.waitFor({ timeout: 3000 }))
        const headline = p1.locator("[data-testid=headline]")
        expect(yield* promise(() => headline.getAttribute("data-alarm-type"))).toBe("safety_alarm:pendant")
        expect(yield* promise(() => headline.getAttribute("data-category"))).toBe("care")
        const headlineText = (yield* promise(() => headline.textContent())) ?? ""
        expect(headlineText).toContain(w.safetyAlarm)
        expect(headlineText).toContain(w.pendant)
        expect(headlineText).not.toContain(w.lowBattery)
        // What joined it, beneath.
        expect(yield* promise(() => p1.locator("[data-testid=joined] [data-alarm-type='technical:low_battery']").textContent())).toContain(w.lowBattery)
        const incidentId = (yield* promise(() => p1.getAttribute("data-incident")))!

        // The sound, then one key: the incident is claimed and open with the resident's card.
        const soundAt = yield* promise(() => p1SoundAfter(page, since))
        yield* promise(() => page.keyboard.press("a"))
        const opened = yield* promise(() => cardOpenAt(page))
        expect(opened).toMatchObject({ incidentId, hash: `#/incident/${incidentId}` })
        const cardAt = opened.at
        const keys = yield* promise(() => keysBetween(page, soundAt, cardAt))
        report(`[${language}] sound → claimed incident with the resident card open, from the queue`, soundAt, cardAt, keys)
        expect(keys.map((k) => k.key)).toEqual(["a"])
        expect(yield* promise(() => page.locator("[data-testid=incident] .owner").textContent())).toContain("Demo Operator")
        const incidentHead = page.locator("[data-testid=incident] [data-testid=headline]")
        expect(yield* promise(() => incidentHead.getAttribute("data-alarm-type"))).toBe("safety_alarm:pendant")
        expect(yield* promise(() => incidentHead.textContent())).toContain(w.safetyAlarm)
        const joined = page.locator("[data-testid=incident] [data-testid=joined] [data-alarm-type='technical:low_battery']")
        expect(yield* promise(() => joined.textContent())).toMatch(new RegExp(`P4.*${w.lowBattery}.*${faulty.deviceId}`, "u"))
        // The selected row was not taken.
        expect(yield* queuedIncident(sys.consoleUrl, token, other.residentId)).toMatchObject({ owner: { kind: "queue" }, priority: "P4" })

        // Writing a note in this incident (its "a"s claim nothing), another resident presses the pendant.
        yield* promise(async () => {
          await page.locator("body").click({ position: { x: 5, y: 5 } })
          await page.keyboard.press("n")
          await page.keyboard.type("waiting for a call back")
        })
        const since2 = yield* promise(() => pageNow(page))
        expect((yield* ingest(pendantAlarm(next.deviceId))).status).toBe(202)
        const soundAt2 = yield* promise(() => p1SoundAfter(page, since2))
        yield* promise(() => page.keyboard.press("Escape"))
        yield* promise(() => page.keyboard.press("a"))
        const opened2 = yield* promise(() => cardOpenAt(page, incidentId))
        const cardAt2 = opened2.at
        const nextIncident = yield* queuedIncident(sys.consoleUrl, token, next.residentId, { status: "claimed" })
        expect(opened2).toMatchObject({ incidentId: nextIncident.incidentId, hash: `#/incident/${nextIncident.incidentId}` })
        const keys2 = yield* promise(() => keysBetween(page, soundAt2, cardAt2))
        report(`[${language}] sound → claimed incident with the resident card open, from a note being written in another incident`, soundAt2, cardAt2, keys2)
        expect(keys2.map((k) => k.key)).toEqual(["Escape", "a"])
        // The other resident's fault still waits: typing in the note field claimed nothing.
        expect(yield* queuedIncident(sys.consoleUrl, token, other.residentId)).toMatchObject({ status: "open", owner: { kind: "queue" }, priority: "P4" })
      }))
  })
})
