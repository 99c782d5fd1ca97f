import { connect } from "node:net"
import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { MaxPathParameterLength, ServiceHttp } from "./index.ts"

const ById = HttpRouter.add("GET", "/things/:id", Effect.map(HttpRouter.params, ({ id }) => HttpServerResponse.jsonUnsafe({ id })))

const get = (url: string) =>
  Effect.promise(async () => {
    const response = await fetch(url)
    return { status: response.status, contentType: response.headers.get("content-type"), body: await response.text() }
  })

/** Writes raw bytes and reads the whole answer (the server closes the connection). */
const raw = (port: number, request: string) =>
  Effect.promise(() =>
    new Promise<string>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => socket.write(request))
      let answer = ""
      socket.on("data", (chunk) => (answer += chunk.toString("latin1")))
      socket.on("end", () => resolve(answer))
      socket.on("error", reject)
    }))

layer(ServiceHttp.layer({ service: "errors-test", port: 0, host: "127.0.0.1", routes: ById }), { excludeTestServices: true })(
  "answers no route takes, and requests Node refuses, carry a JSON body",
  (it) => {
    it.effect("a path no route takes is 404 with a JSON reason (the router's own was empty)", () =>
      Effect.gen(function*() {
        const { url } = yield* ServiceHttp
        const answer = yield* get(`${url}/nowhere`)
        expect(answer.status).toBe(404)
        expect(answer.contentType).toContain("application/json")
        expect(JSON.parse(answer.body).error).toContain("no route for GET /nowhere")
      }))

    it.effect(`a path parameter of up to ${MaxPathParameterLength} characters is routed (an incident id has up to 128); a longer one is 404 with a JSON reason`, () =>
      Effect.gen(function*() {
        const { url } = yield* ServiceHttp
        const routed = yield* get(`${url}/things/${"i".repeat(128)}`)
        expect(routed.status).toBe(200)
        expect(JSON.parse(routed.body).id).toHaveLength(128)
        const tooLong = yield* get(`${url}/things/${"i".repeat(MaxPathParameterLength + 1)}`)
        expect(tooLong.status).toBe(404)
        expect(JSON.parse(tooLong.body).error).toContain(`over ${MaxPathParameterLength} characters`)
      }))

    it.effect("headers over Node's limit are 431 and a malformed request 400, each with a JSON body", () =>
      Effect.gen(function*() {
        const { address } = yield* ServiceHttp
        const port = (address as { port: number }).port
        const huge = yield* raw(port, `GET /things/a HTTP/1.1\r\nhost: x\r\nx-big: ${"y".repeat(20_000)}\r\n\r\n`)
        expect(huge).toMatch(/^HTTP\/1\.1 431 /u)
        expect(JSON.parse(huge.slice(huge.indexOf("\r\n\r\n") + 4)).error).toBe("request headers too large")
        const malformed = yield* raw(port, "GET /things/a HTTP/1.1\r\nhost x\r\n\r\n")
        expect(malformed).toMatch(/^HTTP\/1\.1 400 /u)
        expect(malformed).toContain("application/json")
        expect(JSON.parse(malformed.slice(malformed.indexOf("\r\n\r\n") + 4)).error).toBe("malformed HTTP request")
      }))
  }
)
