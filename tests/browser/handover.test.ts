import { mkdirSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { ensureWebBuilt, launchChromium } from "../support/browser.ts"
import { issueMemberToken } from "../support/dispatch.ts"
import { alarmDevice, pendantAlarm } from "../support/events.ts"
import { postJson, request } from "../support/http.ts"
import { E2ESystem } from "../support/system.ts"

ensureWebBuilt()

const screenshots = fileURLToPath(new URL("./screenshots/", import.meta.url))
mkdirSync(screenshots, { recursive: true })

const promise = <A>(f: () => Promise<A>) => Effect.promise(f)

layer(E2ESystem.layerWithNats, { excludeTestServices: true, timeout: "180 seconds" })("the call-out in the operator console", (it) => {
  it.effect("an operator dispatches home care to the confirmed address and follows the steps and their timers live; a wrong-address arrival shows at once", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const browser = yield* launchChromium
      const page = yield* promise(async () => {
        const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: "en-GB", timezoneId: "Europe/Oslo" })
        const p = await context.newPage()
        await p.goto(sys.consoleUrl)
        await p.fill("input[name=username]", "operator")
        await p.fill("input[name=password]", sys.password)
        await p.click("form[data-testid=sign-in] button")
        await p.locator(".conn.up").waitFor()
        return p
      })
      const { deviceId, residentId } = alarmDevice(30)
      expect((yield* postJson(`${sys.ingestUrl}/v1/events`, pendantAlarm(deviceId), { authorization: `Bearer ${sys.ingestKey}` })).status).toBe(202)
      const row = page.locator("tr.row", { hasText: residentId })
      yield* promise(() => row.waitFor({ timeout: 5000 }))
      const incidentId = (yield* promise(() => row.getAttribute("data-incident")))!
      yield* promise(async () => {
        // Claiming from the queue opens the incident.
        await row.locator("button.claim").click()
        await page.locator("[data-testid=handover-panel] form.dispatch").waitFor({ timeout: 5000 })
        await page.fill("[data-testid=handover-panel] input[name=reason]", "fell in the hallway, cannot get up")
        await page.click("[data-testid=handover-panel] form.dispatch button")
        // Dispatch offers it to the team on duty; the step and its countdown appear live.
        await page.locator("[data-testid=handover-steps] li.current[data-stage=offered]").waitFor({ timeout: 5000 })
      })
      const timer = yield* promise(() => page.locator("[data-testid=handover-timer]").textContent())
      expect(timer).toMatch(/answer to the offer: \d+:\d\d left/)
      yield* promise(() => page.locator("[data-testid=handover-panel]").screenshot({ path: `${screenshots}handover.png` }))

      // The team's phone takes it and reports arrival far from the confirmed address.
      const incident = yield* request(`${sys.consoleUrl}/api/incidents/${incidentId}`, { headers: { authorization: `Bearer ${(yield* postJson(`${sys.consoleUrl}/api/session`, { username: "supervisor", password: sys.password })).body.token}` } })
      const handover = incident.body.handover
      // The installation runs no simulated responders: the team's phone is issued as an administrator would.
      const token = yield* issueMemberToken(sys.databaseUrl, handover.team.id)
      const responder = (path: string, body: unknown = {}) => postJson(`${sys.services.dispatch.url}/v1/responder/incidents/${incidentId}/${path}`, body, { authorization: `Bearer ${token}` })
      expect((yield* responder("accept", { offerNo: handover.offerNo, etaMinutes: 6 })).status).toBe(200)
      yield* promise(() => page.locator("[data-testid=handover-steps] li.current[data-stage=accepted]").waitFor({ timeout: 3000 }))
      expect((yield* responder("on-site", { lat: handover.address.lat + 0.03, lon: handover.address.lon })).status).toBe(200)
      yield* promise(() => page.locator("[data-testid=handover-steps] strong.overdue", { hasText: "WRONG ADDRESS" }).waitFor({ timeout: 3000 }))
      yield* promise(() => page.locator("[data-testid=handover-panel]").screenshot({ path: `${screenshots}handover-wrong-address.png` }))

      // Back on the queue, the row says so too.
      yield* promise(() => page.keyboard.press("Escape"))
      yield* promise(() => page.locator("tr.row", { hasText: residentId }).locator(".mark.overdue", { hasText: "wrong address" }).waitFor({ timeout: 3000 }))
    }))
})
