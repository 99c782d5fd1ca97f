import { Schema } from "effect"

/** An audit command could not do its work (as opposed to finding the record not intact). */
export class AuditCliError extends Schema.TaggedError<AuditCliError>()("AuditCliError", { message: Schema.String }) {}
