import { Effect, Schema } from "effect"
import { SqlClient } from "effect/sql"

/** The console's languages: Norwegian bokmål, which the centre's operators work in, and English. */
export const UserLanguage = Schema.Literals(["nb", "en"]).annotate({
  identifier: "UserLanguage",
  description: "The web app's language: `nb` Norwegian bokmål, `en` English."
})
export type UserLanguage = typeof UserLanguage.Type

export const LanguageChoice = Schema.Struct({ language: UserLanguage }).annotate({ identifier: "LanguageChoice" })

/** The language a user chose, if any (NULL until chosen: migration 0014). */
export const languageOf = Effect.fn("Console.languageOf")(function*(userId: string) {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ language: UserLanguage | null }>`SELECT language FROM users WHERE id = ${userId}`
  return row?.language ?? undefined
})

/** Stores the user's choice; every session of the user shows it from its next request. */
export const chooseLanguage = Effect.fn("Console.chooseLanguage")(function*(userId: string, language: UserLanguage) {
  const sql = yield* SqlClient.SqlClient
  yield* sql`UPDATE users SET language = ${language} WHERE id = ${userId}`
})
