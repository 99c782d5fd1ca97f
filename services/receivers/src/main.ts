import { Effect, Layer } from "effect"
import { makeFrameSplitter } from "@wt/dc09"
import { countFrame } from "@wt/intake"
import { DeviceIdentities } from "@wt/registry"
import { bindHostConfig, Infrastructure, infrastructureReadiness, runService, ServiceHttp } from "@wt/service-runtime"
import { receiveDc09Frame, receiveDc09Item } from "./dc09-receiver.ts"
import { ProtocolPortsConfig, receiversPortConfig } from "./receiver-ports.ts"
import { serveTcpFrames } from "./tcp-frames.ts"
import { serveUdpFrames } from "./udp-frames.ts"

/** A DC-09 connection idle this long is closed; units keep theirs open with link tests well within it. */
const IdleTimeoutMs = 5 * 60_000

/** Every protocol's listeners, bound before the service says it is ready. */
const Listeners = Layer.effectDiscard(Effect.gen(function*() {
  const host = yield* bindHostConfig
  const ports = yield* ProtocolPortsConfig
  const dc09Tcp = yield* serveTcpFrames({
    label: "dc09",
    host,
    port: ports.dc09,
    maxConnections: 20_000,
    idleTimeoutMs: IdleTimeoutMs,
    splitter: () => makeFrameSplitter(),
    handle: (item) => receiveDc09Item(item, performance.now())
  })
  const dc09Udp = yield* serveUdpFrames({
    label: "dc09",
    host,
    port: ports.dc09,
    maxInFlight: 4096,
    handle: (frame) => receiveDc09Frame(frame, performance.now()),
    onDropped: countFrame("dc09", "dropped_busy")
  })
  yield* Effect.logInfo("receivers listening").pipe(Effect.annotateLogs({ host, dc09Tcp, dc09Udp }))
}))

const Http = Layer.unwrap(Effect.gen(function*() {
  const port = yield* receiversPortConfig
  return ServiceHttp.layer({ service: "receivers", port, readiness: infrastructureReadiness })
}))

runService(
  "receivers",
  Http.pipe(Layer.provideMerge(Listeners), Layer.provide(DeviceIdentities.layer), Layer.provideMerge(Infrastructure))
)
