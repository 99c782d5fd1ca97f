import type { Headers } from "effect/http"

/**
 * Whether a request was sent by a web page. Browsers add `Origin` to every POST and
 * `Sec-Fetch-Site`/`Sec-Fetch-Dest` to every request, and a page's script can neither set
 * nor remove these (forbidden header names). Non-browser clients send none of them by
 * default: Node's fetch (undici) adds only `Sec-Fetch-Mode`, curl nothing.
 */
export const isFromBrowser = (headers: Headers.Headers): boolean =>
  headers["origin"] !== undefined || headers["sec-fetch-site"] !== undefined || headers["sec-fetch-dest"] !== undefined
