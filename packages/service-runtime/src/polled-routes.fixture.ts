// A service process for polled-routes.test.ts: a route phones poll (answering 200, or 401 without
// a token), an ordinary route, and the probes, logged through pino as every service logs.
import { Effect, Layer } from "effect"
import { HttpRouter, type HttpServerRequest, HttpServerResponse } from "effect/http"
import { polledRoute, runService, ServiceHttp } from "./index.ts"

const Routes = HttpRouter.addAll([
  HttpRouter.route("GET", "/v1/offers", (request: HttpServerRequest.HttpServerRequest) =>
    polledRoute(Effect.succeed(
      request.headers["authorization"] === "Bearer phone"
        ? HttpServerResponse.jsonUnsafe({ offers: [] })
        : HttpServerResponse.jsonUnsafe({ error: "unknown token" }, { status: 401 })
    ))),
  HttpRouter.route("POST", "/v1/accept", Effect.succeed(HttpServerResponse.jsonUnsafe({ accepted: true })))
])

runService("polled-svc", ServiceHttp.layer({ service: "polled-svc", port: 0, routes: Routes }))
