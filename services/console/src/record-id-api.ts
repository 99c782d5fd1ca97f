import { Schema } from "effect"

/**
 * The id of a registry record (resident, device, plan, user) in a path: what the admin API
 * lets records be named. An id outside it names nothing and is answered 400, not looked up.
 */
export const RecordId = Schema.String.check(
  Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/u, { message: "must be 1-64 characters of A-Z, a-z, 0-9, . _ or -, starting with a letter or digit" })
)

/**
 * Text that reaches PostgreSQL: anything but U+0000, which it can neither store nor compare
 * (a NUL in a sign-in name or a resident id was a 500 with an empty body).
 */
export const withoutNul = Schema.isPattern(/^[^\u0000]*$/u, { message: "must not contain U+0000" })
