import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { ConsoleApi } from "./api.ts"
import { type CommandFor, IncidentCommands } from "./incident-commands.ts"

export const HandoverHandlers = HttpApiBuilder.group(
  ConsoleApi,
  "handover",
  Effect.fn(function*(handlers) {
    const { execute: run } = yield* IncidentCommands
    // A handover command never claims, so a lost claim race cannot come from here.
    const execute = (incidentId: string, commandFor: CommandFor) => run(incidentId, commandFor).pipe(Effect.catchTag("AlreadyClaimed", Effect.die))

    return handlers
      .handle("dispatch", ({ params, payload }) =>
        execute(params.id, (by, at) => ({ type: "request_handover", at, by, reason: payload.reason, address: payload.address })))
      .handle("cancelDispatch", ({ params, payload }) =>
        execute(params.id, (by, at) => ({ type: "cancel_handover", at, by, reason: payload.reason })))
      .handle("contactAnswer", ({ params, payload }) =>
        execute(params.id, (by, at) => ({ type: "answer_contact", at, by, position: payload.position, accepted: payload.accepted })))
  })
)
