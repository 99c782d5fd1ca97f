import { describe, expect, it } from "vitest"
import { startFailureReason } from "./start-failure.ts"

// What a service wrote when its port was held by another process (pino JSON, captured from a real run).
const portTaken = String.raw`{"level":50,"time":"2026-12-04T17:46:15.158Z","service":"fixture-svc","pid":9485,"hostname":"vm","fiber":"#2","cause":"ServeError: \n    at Server.onError (file:///work/main/node_modules/.pnpm/@effect+platform-node@4.1.0/node_modules/@effect/platform-node/dist/NodeHttpServer.js:151:26)\n    at Server.emit (node:events:514:28) {\n  [cause]: Error: listen EADDRINUSE: address already in use 127.0.0.1:18391\n      at Server.setupListenHandle [as _listen2] (node:net:2328:16)\n}","msg":"service failed"}`
const stopped = `{"level":30,"time":"2026-12-04T17:46:15.160Z","service":"fixture-svc","msg":"service stopped"}`

describe("why a service died before it was ready", () => {
  it("names a port another process holds", () => {
    expect(startFailureReason([portTaken, stopped])).toBe("port 127.0.0.1:18391 is taken by another process (EADDRINUSE)")
  })

  it("names a refused connection (the database or NATS not there)", () => {
    const refused = `{"level":50,"msg":"service failed","cause":"SqlError: connect ECONNREFUSED 127.0.0.1:5439\\n    at x"}`
    expect(startFailureReason([refused])).toBe("connection to 127.0.0.1:5439 refused (ECONNREFUSED): is the database or NATS it needs running there?")
  })

  it("else quotes its last error and the first line of its cause, not its stack", () => {
    const failed = `{"level":50,"msg":"service failed","cause":"ConfigError: WT_HTTP_PORT: expected a port\\n    at parse (x.js:1:1)"}`
    expect(startFailureReason([failed, stopped])).toBe("service failed: ConfigError: WT_HTTP_PORT: expected a port")
    expect(startFailureReason(["ERROR (triage): service failed", "plain"])).toBe("ERROR (triage): service failed")
    expect(startFailureReason([stopped])).toBeUndefined()
  })
})
