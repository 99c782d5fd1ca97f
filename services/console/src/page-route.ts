import { createHash } from "node:crypto"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { extname, join, relative, sep } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Layer, Option } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { ConsoleConfig, tilesOrigin } from "./config.ts"

/**
 * Where `vite build` puts the operator web app (services/console/web): seen from src/ when
 * the console runs from source, from dist/<build>/ when it runs bundled (packages/launcher).
 */
const webDistCandidates = ["../web/dist", "../../web/dist"].map((path) => fileURLToPath(new URL(path, import.meta.url)))
export const webDist = webDistCandidates.find((dir) => existsSync(join(dir, "index.html"))) ?? webDistCandidates[0]!

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json"
}

/**
 * The page's Content-Security-Policy: scripts, styles, images and connections from this server
 * only, and no inline script or style at all, so that markup that got into the page (a resident's
 * name with `<img onerror=…>` or `<script>`) runs nothing even if it were ever inserted as HTML.
 * Never inside another site's frame (clickjacking); forms post only here. The service runtime adds
 * nosniff, no-referrer and HSTS (see @wt/service-runtime's security-headers.ts). `inline` lists the
 * hashes of inline blocks a page must have (the fallback page.html's script and style).
 * `mapTiles` (WT_MAP_TILES_URL): a tile server's URL template; only its origin is added to img-src,
 * and only when one is configured: by default the maps are drawn from the data and load nothing.
 */
export const pageContentSecurityPolicy = (
  inline: { readonly scripts?: ReadonlyArray<string>; readonly styles?: ReadonlyArray<string> } = {},
  mapTiles?: string
) =>
  [
    "default-src 'self'",
    `script-src 'self'${(inline.scripts ?? []).map((h) => ` '${h}'`).join("")}`,
    `style-src 'self'${(inline.styles ?? []).map((h) => ` '${h}'`).join("")}`,
    `img-src 'self' data:${mapTiles === undefined ? "" : ` ${tilesOrigin(mapTiles)}`}`,
    "connect-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'"
  ].join("; ")

const pageHeadersOf = (mapTiles: string | undefined) => ({
  "x-frame-options": "DENY",
  "content-security-policy": pageContentSecurityPolicy({}, mapTiles),
  "x-content-type-options": "nosniff"
})

const sha256Of = (text: string) => `sha256-${createHash("sha256").update(text, "utf8").digest("base64")}`

/** The hashes of a page's inline `<script>` and `<style>` blocks, for its CSP. */
export const inlineHashes = (html: string) => ({
  scripts: [...html.matchAll(/<script>([\s\S]*?)<\/script>/gu)].map((m) => sha256Of(m[1]!)),
  styles: [...html.matchAll(/<style>([\s\S]*?)<\/style>/gu)].map((m) => sha256Of(m[1]!))
})

const filesUnder = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]
  )

/**
 * `GET /` and the app's assets, read into memory once at startup (a few tens of kB).
 * Vite names assets by content hash, so they may be cached for good; the page itself never.
 * Without a build (`pnpm install` builds it), the minimal page in page.html stands in.
 */
export const PageRoute = Layer.unwrap(Effect.gen(function*() {
  const mapTiles = Option.getOrUndefined((yield* ConsoleConfig).mapTiles)
  const pageHeaders = pageHeadersOf(mapTiles)
  if (!existsSync(join(webDist, "index.html"))) {
    const page = readFileSync(new URL("./page.html", import.meta.url), "utf8")
    return HttpRouter.add("GET", "/", HttpServerResponse.text(page, {
      contentType: "text/html; charset=utf-8",
      headers: { ...pageHeaders, "content-security-policy": pageContentSecurityPolicy(inlineHashes(page), mapTiles), "cache-control": "no-cache" }
    }))
  }
  const routes = filesUnder(webDist).map((file) => {
    const path: `/${string}` = `/${relative(webDist, file).split(sep).join("/")}`
    const body = readFileSync(file)
    const isPage = path === "/index.html"
    const response = HttpServerResponse.uint8Array(body, {
      contentType: contentTypes[extname(file)] ?? "application/octet-stream",
      headers: { ...pageHeaders, "cache-control": isPage ? "no-cache" : "public, max-age=31536000, immutable" }
    })
    return HttpRouter.route("GET", isPage ? "/" : path, response)
  })
  return HttpRouter.addAll(routes)
}))
