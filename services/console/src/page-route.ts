import { readFileSync } from "node:fs"
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"

/** `GET /`: the operator page, read once at startup. */
export const PageRoute = Layer.unwrap(Effect.sync(() => {
  const page = readFileSync(new URL("./page.html", import.meta.url), "utf8")
  return HttpRouter.add(
    "GET",
    "/",
    HttpServerResponse.text(page, {
      contentType: "text/html; charset=utf-8",
      // The page drives a session: never inside another site's frame (clickjacking).
      headers: { "x-frame-options": "DENY", "content-security-policy": "frame-ancestors 'none'", "cache-control": "no-cache" }
    })
  )
}))
