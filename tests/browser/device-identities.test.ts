import { randomBytes } from "node:crypto"
import { mkdirSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { demoWireDigits } from "@wt/registry/demo"
import { contactIdData, type Dc09Message, encodeDc09, readDc09Reply } from "@wt/sim-devices/protocols/dc09"
import { ensureWebBuilt, launchChromium } from "../support/browser.ts"
import { alarmDevice } from "../support/events.ts"
import { bearer, queuedIncident, request, signIn } from "../support/http.ts"
import { endsWithCr, tcpExchange } from "../support/sockets.ts"
import { E2ESystem } from "../support/system.ts"

ensureWebBuilt()

const screenshots = fileURLToPath(new URL("./screenshots/", import.meta.url))
mkdirSync(screenshots, { recursive: true })

const promise = <A>(f: () => Promise<A>) => Effect.promise(f)

let sequence = 400
const frame = (account: string, key?: Uint8Array): Dc09Message => ({
  type: "ADM-CID",
  sequence: ++sequence,
  line: "1",
  account,
  timestamp: new Date(),
  ...(key !== undefined ? { key } : {}),
  data: contactIdData(account, { qualifier: 1, code: "101", zone: "001" })
})

const overTcp = (port: number, m: Dc09Message) =>
  Effect.map(tcpExchange(port, encodeDc09(m), { complete: endsWithCr }), (bytes) => readDc09Reply(new Uint8Array(bytes), m.key))

layer(E2ESystem.layerWithNats, { excludeTestServices: true, timeout: "120 seconds" })("a device's protocol identities in the registry screen", (it) => {
  it.effect("an administrator gives an alarm a new DC-09 account and AES key on the device screen; it is listed with only the key's last digits, and the unit's encrypted alarm is answered", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const browser = yield* launchChromium
      const { deviceId, residentId } = alarmDevice(5)
      const seededAccount = demoWireDigits("1", { id: deviceId, type: "safety_alarm" })!
      const account = "B0A7C1"
      // Made up for this test only.
      const key = randomBytes(16).toString("hex")

      const page = yield* promise(async () => {
        const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: "en-GB", timezoneId: "Europe/Oslo" })
        const p = await context.newPage()
        p.on("dialog", (dialog) => void dialog.accept())
        await p.goto(sys.consoleUrl)
        await p.fill("input[name=username]", "admin")
        await p.fill("input[name=password]", sys.password)
        await p.click("form[data-testid=sign-in] button")
        await p.locator("[data-testid=who]").waitFor()
        return p
      })
      const section = page.locator(`tr[data-identities-of="${deviceId}"] [data-testid=identity-section]`)
      const dc09 = section.locator("tr[data-protocol=dc09]")

      yield* promise(async () => {
        await page.click("[data-testid=admin-link]")
        await page.click("a[href='#/admin/devices']")
        await page.fill("input[placeholder^='find by device']", deviceId)
        await page.locator(`tr[data-device="${deviceId}"] [data-testid=open-identities]`).click()
        // The account the demo seeded for it is listed first.
        await dc09.locator("[data-testid=identity]", { hasText: seededAccount }).waitFor({ timeout: 5000 })
        await dc09.locator("button", { hasText: "Change" }).click()
        const form = section.locator("[data-testid=identity-form]")
        await form.locator("input[name=identity]").fill(account)
        await form.locator("input[name=key]").fill(key)
        await form.locator("button.primary").click()
        await section.locator("[data-testid=admin-saved]", { hasText: "dc09 identity saved" }).waitFor({ timeout: 5000 })
        await dc09.locator("[data-testid=identity]", { hasText: account }).waitFor({ timeout: 5000 })
      })
      expect(yield* promise(() => dc09.locator("[data-testid=key-state]").textContent())).toBe(`key set …${key.slice(-4)}`)

      // Opening the form again: the key field is empty (the page never has the key), the hint says one is set.
      yield* promise(() => dc09.locator("button", { hasText: "Change" }).click())
      const keyField = section.locator("[data-testid=identity-form] input[name=key]")
      expect(yield* promise(() => keyField.inputValue())).toBe("")
      expect(yield* promise(() => keyField.getAttribute("type"))).toBe("password")
      expect(yield* promise(() => section.locator("[data-testid=identity-key-hint]").textContent())).toContain(`key set …${key.slice(-4)}`)
      yield* promise(() => section.screenshot({ path: `${screenshots}admin-identities.png` }))
      expect(yield* promise(() => page.content())).not.toContain(key.slice(0, 12))

      // Another protocol removed from the same screen (the confirmation accepted).
      const scaip = section.locator("tr[data-protocol=scaip]")
      yield* promise(async () => {
        await scaip.locator("button", { hasText: "Remove" }).click()
        await scaip.locator("[data-testid=identity]", { hasText: "none" }).waitFor({ timeout: 5000 })
      })

      // The API lists it the same way: the key's last four digits, never the key.
      const admin = yield* signIn(sys.consoleUrl, "admin", sys.password)
      const listed = yield* request(`${sys.consoleUrl}/api/admin/devices/demo/${deviceId}/identities`, { headers: bearer(admin) })
      expect(listed.body).toEqual([{ protocol: "dc09", identity: account, keyHint: `…${key.slice(-4)}` }])
      expect(JSON.stringify(listed.body)).not.toContain(key.slice(0, 12))

      // The unit, encrypting with the key typed into the screen, is answered and its alarm is a P1 on the queue.
      const reply = yield* overTcp(sys.protocolPorts.dc09, frame(account, new Uint8Array(Buffer.from(key, "hex"))))
      expect(reply).toMatchObject({ kind: "ACK", encrypted: true, account })
      const operator = yield* signIn(sys.consoleUrl, "operator", sys.password)
      expect(yield* queuedIncident(sys.consoleUrl, operator, residentId, { timeoutMs: 10_000 })).toMatchObject({ priority: "P1" })
      // Its old account is no one's any more.
      expect(yield* overTcp(sys.protocolPorts.dc09, frame(seededAccount))).toMatchObject({ kind: "DUH" })
    }))
})
