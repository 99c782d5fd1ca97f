import { Schema } from "effect"
import { ContactCascade, Handover, HandoverAccess, Instant, Priority } from "@wt/contracts"

// The responder API's requests and answers, as Schemas: its HttpApi (responder-api.ts) declares
// its endpoints with them, and its OpenAPI document is generated from that HttpApi.

export const AcceptRequest = Schema.Struct({
  offerNo: Schema.Int,
  etaMinutes: Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 600 }))
}).annotate({ identifier: "AcceptRequest" })
export const RejectRequest = Schema.Struct({
  offerNo: Schema.Int,
  reason: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(500)))
}).annotate({ identifier: "RejectRequest" })
export const CompleteRequest = Schema.Struct({
  outcome: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(4000))
}).annotate({ identifier: "CompleteRequest" })
export const AnswerRequest = Schema.Struct({ accepted: Schema.Boolean }).annotate({ identifier: "AnswerRequest" })
export const EmptyRequest = Schema.Struct({}).annotate({ identifier: "EmptyRequest" })

/** An incident id in a responder path: a NATS subject token. */
export const ResponderIncidentId = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9_-]{1,128}$/u))

export const ResponderIdentityView = Schema.Union([
  Schema.Struct({ kind: Schema.Literal("member"), tenant: Schema.String, id: Schema.String, name: Schema.String, teamId: Schema.String }),
  Schema.Struct({ kind: Schema.Literal("contact"), tenant: Schema.String, residentId: Schema.String, position: Schema.Int, label: Schema.String })
]).annotate({ identifier: "ResponderIdentity" })

const h = Handover.fields

/** What a responder's phone is shown for one call-out (`offerView` in responder-views.ts). */
export const OfferView = Schema.Struct({
  incidentId: Schema.String,
  priority: Priority,
  alarmType: Schema.String,
  callOut: h.no,
  offerNo: h.offerNo,
  stage: h.stage,
  team: h.team,
  reason: h.reason,
  address: h.address,
  criticalNotes: Schema.Array(Schema.String),
  access: HandoverAccess,
  step: h.step,
  deadline: h.deadline,
  eta: h.eta
}).annotate({ identifier: "OfferView" })

/** The answer to an accept that holds the call-out of a resident with a key safe: the code, released and audited. */
export const AcceptedWithCode = Schema.Struct({
  ...OfferView.fields,
  access: Schema.Struct({ kind: Schema.Literal("key_safe"), code: Schema.optionalKey(Schema.String) })
}).annotate({ identifier: "AcceptedWithCode" })

/** A step that moved no call-out of the caller's (the incident has none now). */
export const StepDone = Schema.Struct({ ok: Schema.Literal(true) }).annotate({ identifier: "StepDone" })

export const CascadeCall = Schema.Struct({
  incidentId: Schema.String,
  alarmType: Schema.String,
  position: Schema.optionalKey(Schema.Int),
  deadline: Schema.optionalKey(Instant)
}).annotate({ identifier: "CascadeCall" })

export const MemberOffers = Schema.Struct({ offers: Schema.Array(OfferView), assigned: Schema.Array(OfferView) }).annotate({ identifier: "MemberOffers" })
export const ContactCalls = Schema.Struct({ calls: Schema.Array(CascadeCall) }).annotate({ identifier: "ContactCalls" })

export const Unlocked = Schema.Struct({ opened: Schema.Literal(true), lockId: Schema.String, validTo: Instant }).annotate({ identifier: "Unlocked" })

export const CascadeAnswered = Schema.Struct({ cascade: Schema.optionalKey(ContactCascade) }).annotate({ identifier: "CascadeAnswered" })
