import { Option } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import type { AuditPublicKey } from "@wt/audit-log"

/**
 * `GET /audit/public-key`: the key that verifies this copy's seals, for
 * `wt audit verify --public-key`; 404 when this copy does not seal.
 */
export const publicKeyRoute = (key: Option.Option<AuditPublicKey>) =>
  HttpRouter.add(
    "GET",
    "/audit/public-key",
    Option.match(key, {
      onNone: () => HttpServerResponse.jsonUnsafe({ message: "this copy of the audit service does not seal (WT_AUDIT_SEALING=false)" }, { status: 404 }),
      onSome: (k) => HttpServerResponse.jsonUnsafe(k)
    })
  )
