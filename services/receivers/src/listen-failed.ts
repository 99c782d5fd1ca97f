import { Schema } from "effect"

/** A receiver could not take its port (taken by another program, or not allowed). */
export class ListenFailed extends Schema.TaggedError<ListenFailed>()("ListenFailed", {
  listener: Schema.String,
  port: Schema.Number,
  message: Schema.String
}) {}
