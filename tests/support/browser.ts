import { execFileSync } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import { type Browser, chromium } from "playwright-core"

const webDir = fileURLToPath(new URL("../../services/console/web", import.meta.url))

/**
 * `pnpm install` builds the console's web app; a checkout that skipped install scripts
 * gets it built here, before the console process starts and reads it.
 */
export const ensureWebBuilt = () => {
  if (existsSync(`${webDir}/dist/index.html`)) return
  const vite = fileURLToPath(new URL("../../node_modules/vite/bin/vite.js", import.meta.url))
  execFileSync(process.execPath, [vite, "build", webDir], { stdio: "inherit" })
}

/** Debian's chromium, headless, with nothing reaching out to the internet. */
export const launchChromium = Effect.acquireRelease(
  Effect.promise(() =>
    chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"]
    })
  ),
  (browser: Browser) => Effect.promise(() => browser.close())
)
