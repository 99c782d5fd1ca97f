import { Layer } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { ResponderApi } from "./responder-api.ts"
import { ResponderMiddlewareLive } from "./responder-authentication.ts"
import { ResponderHandlers } from "./responder-handlers.ts"

/** The responder API's routes and its OpenAPI document (`GET /openapi.json`), served as the console serves its API. */
export const ResponderRoutes = HttpApiBuilder.layer(ResponderApi, { openapiPath: "/openapi.json" }).pipe(
  Layer.provide(ResponderHandlers),
  Layer.provide(ResponderMiddlewareLive)
)
