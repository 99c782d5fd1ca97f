import { Effect, Schema } from "effect"
import { Handover } from "@wt/contracts"
import { OfferView } from "./responder-contract.ts"

// Every refusal of the responder API is the body `{error, stage?}`: why, and for an accept that
// changes nothing, the call-out's stage. One class per status, so that HttpApi answers each with
// its own status and the OpenAPI document names each; the body carries no tag.

/**
 * The body, under the refusal's own name in the OpenAPI document (a class's encoded side would
 * otherwise be called `…Encoded`), and the class's annotations: its status, and the description
 * the document gives the response.
 */
const refusal = (identifier: string, status: number, description: string) =>
  [
    Schema.Struct({
      error: Schema.String,
      stage: Schema.optionalKey(Handover.fields.stage)
    }).annotate({ identifier, description }),
    { httpApiStatus: status, description }
  ] as const

export class ResponderInvalidRequest extends Schema.Error<ResponderInvalidRequest>("ResponderInvalidRequest")(
  ...refusal("ResponderInvalidRequest", 400, "Bad incident id, or a body that is not JSON or does not fit (a missing, wrong or unknown field)")
) {}

export class ResponderUnauthorized extends Schema.Error<ResponderUnauthorized>("ResponderUnauthorized")(
  ...refusal("ResponderUnauthorized", 401, "No valid responder device token")
) {}

export class ResponderForbidden extends Schema.Error<ResponderForbidden>("ResponderForbidden")(
  ...refusal("ResponderForbidden", 403, "The device's holder may not do this (a next of kin's device on a team member's route, or the other way round; no e-lock grant)")
) {}

export class ResponderNotFound extends Schema.Error<ResponderNotFound>("ResponderNotFound")(
  ...refusal("ResponderNotFound", 404, "No such incident for this device")
) {}

export class ResponderConflict extends Schema.Error<ResponderConflict>("ResponderConflict")(
  ...refusal("ResponderConflict", 409, "The call-out or cascade is not in a state where this step applies (no longer offered, held by another, over)")
) {}

/** `503` to an accept whose key-safe code cannot be released yet: the call-out is accepted; send accept again. */
export class AcceptedNotReleased extends Schema.Error<AcceptedNotReleased>("AcceptedNotReleased")(
  Schema.Struct({ ...OfferView.fields, error: Schema.String }).annotate({ identifier: "AcceptedNotReleased" }),
  { httpApiStatus: 503 }
) {}

const refusals = [ResponderInvalidRequest, ResponderUnauthorized, ResponderForbidden, ResponderNotFound, ResponderConflict, AcceptedNotReleased] as const
export type ResponderRefusal = InstanceType<typeof refusals[number]>

const isRefusal = (e: unknown): e is ResponderRefusal => refusals.some((refusal) => e instanceof refusal)

/**
 * Leaves a handler's refusals to be answered with their statuses; any other failure (NATS, SQL,
 * a command the decider rejects for another reason) is a defect, answered 500 as it always was.
 */
export const refusalsOnly = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, Extract<E, ResponderRefusal>, R> =>
  Effect.catchIf(self, (e): e is Exclude<E, ResponderRefusal> => !isRefusal(e), (e) => Effect.die(e)) as Effect.Effect<A, Extract<E, ResponderRefusal>, R>
