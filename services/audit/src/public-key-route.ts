import { HttpRouter, HttpServerResponse } from "effect/http"
import type { AuditPublicKey } from "./seal-stream.ts"

/** `GET /audit/public-key`: the key that verifies this service's seals, for `wt audit verify --public-key`. */
export const publicKeyRoute = (key: AuditPublicKey) =>
  HttpRouter.add("GET", "/audit/public-key", HttpServerResponse.jsonUnsafe(key))
