import { Effect, Layer, Option } from "effect"
import { HttpServerRequest } from "effect/http"
import { HttpApiMiddleware } from "effect/http-api"
import { hashResponderToken } from "@wt/dispatch"
import { DispatchDirectory, type ResponderIdentity } from "./directory.ts"
import { ResponderForbidden, ResponderInvalidRequest, ResponderUnauthorized } from "./responder-errors.ts"
import {
  CurrentDevice,
  CurrentNextOfKin,
  CurrentTeamMember,
  IncidentIdCheck,
  NextOfKinToken,
  ResponderToken,
  TeamMemberToken
} from "./responder-middleware.ts"

/**
 * The token as phones have always sent it: `Bearer`, any whitespace, the token. Read from the
 * header rather than from HttpApi's decoded credential, which takes exactly one space after the
 * scheme and so would turn away a phone that sends a tab.
 */
const bearer = (authorization: string | undefined) => authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1]

/** The calling device, by the sha256 of its token; a database failure is a 500, not a 401. */
const callingDevice = Effect.gen(function*() {
  const directory = yield* DispatchDirectory
  return Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const token = bearer(request.headers.authorization)
    const device = token === undefined ? Option.none<ResponderIdentity>() : yield* Effect.orDie(directory.responderByTokenHash(hashResponderToken(token)))
    if (Option.isNone(device)) {
      return yield* new ResponderUnauthorized({ error: "a valid responder device token is required: Authorization: Bearer <token>" })
    }
    return device.value
  })
})

export const ResponderTokenLive = Layer.effect(
  ResponderToken,
  Effect.map(callingDevice, (device) =>
    ResponderToken.of({ bearer: (httpEffect) => Effect.flatMap(device, (d) => Effect.provideService(httpEffect, CurrentDevice, d)) }))
)

/** The calling device if it is of `kind`; the other kind of device is refused (403) with `refusal`. */
const callingDeviceOf = <K extends ResponderIdentity["kind"]>(kind: K, refusal: string) =>
  Effect.map(callingDevice, (device) =>
    Effect.flatMap(device, (d) =>
      d.kind === kind ? Effect.succeed(d as Extract<ResponderIdentity, { readonly kind: K }>) : Effect.fail(new ResponderForbidden({ error: refusal }))))

export const TeamMemberTokenLive = Layer.effect(
  TeamMemberToken,
  Effect.map(callingDeviceOf("member", "only a team member's device can do this"), (member) =>
    TeamMemberToken.of({ bearer: (httpEffect) => Effect.flatMap(member, (m) => Effect.provideService(httpEffect, CurrentTeamMember, m)) }))
)

export const NextOfKinTokenLive = Layer.effect(
  NextOfKinToken,
  Effect.map(callingDeviceOf("contact", "only a next of kin's device answers a cascade call"), (nextOfKin) =>
    NextOfKinToken.of({ bearer: (httpEffect) => Effect.flatMap(nextOfKin, (n) => Effect.provideService(httpEffect, CurrentNextOfKin, n)) }))
)

/** A path parameter that does not decode is a bad incident id; any other schema failure is left to HttpApi. */
export const IncidentIdCheckLive = HttpApiMiddleware.layerSchemaErrorTransform(IncidentIdCheck, (error) =>
  error.kind === "Params" ? Effect.fail(new ResponderInvalidRequest({ error: "bad incident id" })) : Effect.fail(error))

/** Every middleware of the responder API. */
export const ResponderMiddlewareLive = Layer.mergeAll(ResponderTokenLive, TeamMemberTokenLive, NextOfKinTokenLive, IncidentIdCheckLive)
