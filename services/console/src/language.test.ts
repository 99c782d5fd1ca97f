import { expect, it as plainIt, layer } from "@effect/vitest"
import { ConfigProvider, Effect, Exit, Schema } from "effect"
import { call, ConsoleTestLayer, password, signIn } from "./console-fixture.ts"
import { ConsoleConfig, MapTilesTemplate } from "./config.ts"
import { pageContentSecurityPolicy } from "./page-route.ts"

layer(ConsoleTestLayer, { excludeTestServices: true })("the user's language (PUT /api/session/language)", (it) => {
  it.effect("is absent until chosen; once chosen it is stored with the user: every session of theirs, and the next sign-in, shows it", () =>
    Effect.gen(function*() {
      const first = yield* signIn("operator2")
      const second = yield* signIn("operator2")
      expect((yield* call("GET", "/api/session", { token: first.token })).body.language).toBeUndefined()

      const chosen = yield* call("PUT", "/api/session/language", { token: first.token, body: { language: "nb" } })
      expect(chosen.status).toBe(200)
      expect(chosen.body).toMatchObject({ id: "user-operator2", language: "nb" })
      expect((yield* call("GET", "/api/session", { token: second.token })).body.language).toBe("nb")
      expect((yield* call("POST", "/api/session", { body: { username: "operator2", password } })).body.user.language).toBe("nb")

      expect((yield* call("PUT", "/api/session/language", { token: second.token, body: { language: "en" } })).body.language).toBe("en")
      expect((yield* call("GET", "/api/session", { token: first.token })).body.language).toBe("en")
      // Another user's choice is their own.
      const other = yield* signIn("supervisor")
      expect((yield* call("GET", "/api/session", { token: other.token })).body.language).toBeUndefined()
    }))

  it.effect("refuses a language the console does not have, a body that is not JSON, and a caller without a session", () =>
    Effect.gen(function*() {
      const { token } = yield* signIn("operator")
      for (const body of [{ language: "de" }, { language: "NB" }, {}, { language: "nb", extra: 1 }]) {
        const answer = yield* call("PUT", "/api/session/language", { token, body })
        expect(answer.status, JSON.stringify(body)).toBe(400)
      }
      expect((yield* call("PUT", "/api/session/language", { token, body: "language=nb", contentType: "application/x-www-form-urlencoded" })).status).toBe(415)
      expect((yield* call("PUT", "/api/session/language", { body: { language: "nb" } })).status).toBe(401)
      expect((yield* call("GET", "/api/session", { token })).body.language).toBeUndefined()
    }))
})

const configWith = (env: Record<string, string>) => Effect.runSyncExit(ConsoleConfig.parse(ConfigProvider.fromEnv({ env })))

plainIt("WT_MAP_TILES_URL: unset, no tile server; a template adds its origin, and only that, to the page's img-src; anything else stops the start", () => {
  const unset = configWith({})
  expect(Exit.isSuccess(unset) && unset.value.mapTiles._tag).toBe("None")
  expect(pageContentSecurityPolicy()).toContain("img-src 'self' data:;")

  const template = "https://tiles.example.no/osm/{z}/{x}/{y}.png"
  const set = configWith({ WT_MAP_TILES_URL: template })
  expect(Exit.isSuccess(set) && set.value.mapTiles._tag === "Some" && set.value.mapTiles.value).toBe(template)
  expect(pageContentSecurityPolicy({}, template)).toContain("img-src 'self' data: https://tiles.example.no;")
  expect(pageContentSecurityPolicy({}, "http://10.0.0.5:8088/{z}/{x}/{y}.png")).toContain("img-src 'self' data: http://10.0.0.5:8088;")

  for (const bad of ["tiles.example.no/{z}/{x}/{y}", "https://tiles.example.no/tile.png", "javascript:alert(1)//{z}{x}{y}", "https://a.no/{z}/{x}/{y}.png; script-src *", "https://a.no/{z}/{x}/{y}.png 'unsafe-inline'"]) {
    expect(Exit.isFailure(configWith({ WT_MAP_TILES_URL: bad })), bad).toBe(true)
    expect(Schema.is(MapTilesTemplate)(bad), bad).toBe(false)
  }
})
