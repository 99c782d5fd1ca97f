import { Schema } from "effect"

/**
 * A sign-in refused without its password being looked at: too soon after failed ones (`locked`
 * false: a delay that grows with each failure) or locked for a while (`locked` true). The
 * answer carries `Retry-After` too. `scope` says what is held back: the user name, the client
 * address, or (for a browser the user signed in from before) that browser.
 */
export class SignInThrottled extends Schema.TaggedError<SignInThrottled>()("SignInThrottled", {
  message: Schema.String,
  scope: Schema.Literals(["user", "address", "device"]),
  locked: Schema.Boolean,
  retryAfterSeconds: Schema.Int
}, { httpApiStatus: 429 }) {}
