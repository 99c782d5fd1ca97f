import { expect, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import type { Browser, Page } from "playwright-core"
import { AuditEntry, Streams, Subjects } from "@wt/contracts"
import { readSubject } from "@wt/nats"
import { ensureWebBuilt, launchChromium } from "../support/browser.ts"
import { alarmDevice, pendantAlarm } from "../support/events.ts"
import { bearer, postJson, request, signIn } from "../support/http.ts"
import { E2ESystem } from "../support/system.ts"

ensureWebBuilt()

const promise = <A>(f: () => Promise<A>) => Effect.promise(f)
const decodeEntry = Schema.decodeUnknownSync(Schema.fromJsonString(AuditEntry))

// What an attacker who can write a resident's name (a compromised registry import, a careless
// administrator pasting from elsewhere) would try: markup that runs script when inserted as HTML.
const hostileName = `<img src=x onerror="window.__pwned='img'"><script>window.__pwned='script'</script>Ragnhild <b>Bold</b>`
const hostileNote = `<svg onload="window.__pwned='svg'"></svg>insulin`

/** A page that records script it should never run and every CSP violation the browser reports. */
const watchedPage = (browser: Browser) =>
  promise(async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 860 }, locale: "en-GB" })
    const page = await context.newPage()
    const dialogs: Array<string> = []
    page.on("dialog", (d) => {
      dialogs.push(d.message())
      void d.dismiss()
    })
    // Plain script text: it runs in the page, where the test's types do not reach.
    await page.addInitScript({
      content: `window.__violations = []; document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(e.violatedDirective + " " + e.blockedURI))`
    })
    return { page, dialogs }
  })

const pwned = (page: Page) => page.evaluate<string | null>("window.__pwned ?? null")
const violations = (page: Page) => page.evaluate<Array<string>>("window.__violations")

layer(E2ESystem.layerWithNats, { excludeTestServices: true, timeout: "180 seconds" })("hostile markup in resident data, in a real browser", (it) => {
  it.effect("a resident name with <img onerror> and <script> is shown as text on the queue, the incident and the resident card; nothing runs; the page's CSP forbids inline script; the key-safe code shows only on Reveal", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const { deviceId, residentId } = alarmDevice(33)

      // An administrator gives the resident the hostile name and note, and a key safe.
      const admin = yield* signIn(sys.consoleUrl, "admin", sys.password)
      const record = yield* request(`${sys.consoleUrl}/api/admin/residents/${residentId}`, { headers: bearer(admin) })
      expect(record.status).toBe(200)
      const { id: _, contacts: __, devices: ___, responsePlan: ____, ...fields } = record.body
      const put = yield* request(`${sys.consoleUrl}/api/admin/residents/${residentId}`, {
        method: "PUT",
        headers: { ...bearer(admin), "content-type": "application/json" },
        body: JSON.stringify({ ...fields, displayName: hostileName, healthNotes: [hostileNote], keyAccess: { kind: "key_safe", code: "5731" } })
      })
      expect(put.status).toBe(204)

      const browser = yield* launchChromium
      const { page, dialogs } = yield* watchedPage(browser)
      const response = yield* promise(() => page.goto(sys.consoleUrl))
      // The policy the page is served with: scripts from this server only, nothing inline, never framed.
      const csp = response!.headers()["content-security-policy"] ?? ""
      expect(csp).toContain("script-src 'self'")
      expect(csp).toContain("frame-ancestors 'none'")
      expect(csp).not.toContain("unsafe-inline")
      expect(response!.headers()["referrer-policy"]).toBe("no-referrer")
      expect(response!.headers()["x-content-type-options"]).toBe("nosniff")

      yield* promise(async () => {
        await page.fill("input[name=username]", "operator")
        await page.fill("input[name=password]", sys.password)
        await page.click("form[data-testid=sign-in] button")
        await page.locator(".conn.up").waitFor()
      })
      const posted = yield* postJson(`${sys.ingestUrl}/v1/events`, pendantAlarm(deviceId), { authorization: `Bearer ${sys.ingestKey}` })
      expect(posted.status).toBe(202)

      // The queue: the name as text, in the row's label.
      const row = page.locator("tr.row", { hasText: residentId })
      yield* promise(() => row.locator("[data-testid=resident] strong", { hasText: "<script>" }).waitFor({ timeout: 5000 }))
      expect(yield* promise(() => row.locator("[data-testid=resident] strong").textContent())).toBe(hostileName)
      expect(yield* promise(() => page.locator("img[src=x], script:not([src]), b, svg[onload]").count())).toBe(0)

      // The incident and its resident card.
      const incidentId = yield* promise(() => row.getAttribute("data-incident"))
      yield* promise(async () => {
        await page.evaluate(`location.hash = ${JSON.stringify(`#/incident/${incidentId}`)}`)
        await page.locator("[data-testid=incident]").waitFor({ timeout: 5000 })
        await page.locator("[data-testid=resident-card] h2", { hasText: "<img src=x" }).waitFor({ timeout: 5000 })
      })
      const card = page.locator("[data-testid=resident-card]")
      expect(yield* promise(() => card.locator("h2").textContent())).toContain(hostileName)
      expect(yield* promise(() => card.locator("ul.health li").first().textContent())).toBe(hostileNote)
      expect(yield* promise(() => page.locator("img[src=x], script:not([src]), b, svg[onload]").count())).toBe(0)

      // The key safe: hidden until asked for; the reveal is an audit entry of its own.
      const keyAccess = card.locator("[data-testid=key-access]")
      expect(yield* promise(() => keyAccess.textContent())).toContain("code hidden")
      expect(yield* promise(() => keyAccess.textContent())).not.toContain("5731")
      yield* promise(() => keyAccess.locator("[data-testid=reveal-key-safe]").click())
      yield* promise(() => keyAccess.locator("[data-testid=key-safe-code]", { hasText: "5731" }).waitFor({ timeout: 5000 }))
      const reveals = (yield* readSubject(Streams.audit, Subjects.audit("demo", "record_view")))
        .map((m) => decodeEntry(new TextDecoder().decode(m.data)))
        .filter((e) => e.subject.residentId === residentId && (e.data as { revealed?: string }).revealed === "key_safe_code")
      expect(reveals.map((e) => e.actor.id)).toEqual(["user-operator"])

      // Nothing of the markup ran, nothing asked to be shown, and the app needed nothing the policy forbids.
      expect(yield* promise(() => pwned(page))).toBeNull()
      expect(dialogs).toEqual([])
      expect(yield* promise(() => violations(page))).toEqual([])
    }))
})
