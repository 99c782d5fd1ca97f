import { mkdirSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import type { Browser } from "playwright-core"
import { applyIncidentRecord } from "@wt/read-models"
import { ServiceHttp } from "@wt/service-runtime"
import { scriptedDay } from "@wt/reports/testing"
import { ConsoleTestLayer, password } from "../../services/console/src/console-fixture.ts"
import { ensureWebBuilt, launchChromium } from "../support/browser.ts"

ensureWebBuilt()

const screenshots = fileURLToPath(new URL("./screenshots/", import.meta.url))
mkdirSync(screenshots, { recursive: true })

const promise = <A>(f: () => Promise<A>) => Effect.promise(f)

const signedInPage = (browser: Browser, url: string, username: string) =>
  promise(async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: "en-GB", timezoneId: "Europe/Oslo" })
    const page = await context.newPage()
    await page.goto(url)
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", password)
    await page.click("form[data-testid=sign-in] button")
    await page.locator("[data-testid=who]").waitFor()
    return page
  })

// The console alone (in-process, over a fresh nats-server and database) is enough: the reports read the read models.
layer(ConsoleTestLayer, { excludeTestServices: true, timeout: "120 seconds" })("supervisor reports in a real browser", (it) => {
  it.effect("a supervisor reads a day's answer times with charts, follows a row to its timeline and downloads the CSV; an operator has no reports", () =>
    Effect.gen(function*() {
      yield* Effect.forEach(scriptedDay(), (r, i) => applyIncidentRecord(r, 1_000_000 + i), { discard: true })
      const { url } = yield* ServiceHttp
      const browser = yield* launchChromium
      const boss = yield* signedInPage(browser, url, "supervisor")
      yield* promise(() => boss.click("[data-testid=reports-link]"))
      yield* promise(() => boss.locator("[data-testid=reports-page]").waitFor())
      yield* promise(() => boss.fill("input[type=date]", "2026-11-24"))
      const sla = boss.locator("[data-testid=report-table-sla]")
      yield* promise(() => sla.locator("tbody tr").first().waitFor({ timeout: 5000 }))
      const first = yield* promise(() => sla.locator("tbody tr").first().locator("td").allInnerTexts())
      // demo, all: 14 received, 11 answered, 58.3 % within 60 s, 83.3 % within 180 s, targets missed.
      expect(first.slice(0, 4)).toEqual(["demo", "all", "all", "14"])
      expect(first).toContain("58.3 %")
      expect(first.at(-1)).toBe("missed")
      expect(yield* promise(() => boss.locator("[data-testid=chart-sla-hours] rect.bar").count())).toBe(8)
      yield* promise(() => boss.screenshot({ path: `${screenshots}reports-sla.png`, fullPage: true }))

      const csvHref = yield* promise(() => boss.locator("[data-testid=csv-sla]").getAttribute("href"))
      const csv = yield* promise(() => boss.evaluate(async (href) => (await fetch(href!)).text(), csvHref))
      expect(csv.split("\r\n")[1]).toBe("demo,all,all,14,11,1,2,7,12,0.5833,10,12,0.8333,45000,150000,200000,false")

      yield* promise(() => boss.click("[data-testid=report-table-late] a[data-testid=timeline-link]"))
      yield* promise(() => boss.locator("[data-testid=timeline-page]").waitFor({ timeout: 5000 }))
      expect(boss.url()).toContain("#/timeline/day-C")

      yield* promise(() => boss.goto(`${url}/#/reports/ownerless`))
      yield* promise(() => boss.fill("input[type=date]", "2026-11-24"))
      yield* promise(() => boss.locator("[data-testid=chart-ownerless] rect.bar").first().waitFor({ timeout: 5000 }))

      const operator = yield* signedInPage(browser, url, "operator")
      expect(yield* promise(() => operator.locator("[data-testid=reports-link]").count())).toBe(0)
      yield* promise(() => operator.goto(`${url}/#/reports/sla`))
      yield* promise(() => operator.locator("[data-testid=reports-page] .error").waitFor({ timeout: 5000 }))
      expect(yield* promise(() => operator.locator("[data-testid=reports-page] .error").innerText())).toContain("supervisors")
    }))
})
