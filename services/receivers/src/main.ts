import { Effect, Layer } from "effect"
import { makeFrameSplitter } from "@wt/dc09"
import { countFrame, IngestLimits, refuseFrame } from "@wt/intake"
import { TracingLive } from "@wt/observability"
import type { Nats } from "@wt/nats"
import { DeviceIdentities } from "@wt/registry"
import { MrqFrameSplitter } from "@wt/scaip"
import { bindHostConfig, Infrastructure, infrastructureReadiness, runService, ServiceHttp } from "@wt/service-runtime"
import { receiveDc09Frame, receiveDc09Item } from "./dc09-receiver.ts"
import { type HttpFrame, httpFrameServer, type HttpRefusalKind, serveHttpFrames } from "./http-frames.ts"
import { receiveOsmAnd, requestText } from "./osmand-receiver.ts"
import { ProtocolPortsConfig, receiversPortConfig } from "./receiver-ports.ts"
import { receiveScaipHttp, receiveScaipItem } from "./scaip-receiver.ts"
import { receiveSipRequest, receiveSipResponse, receiveUnreadableSip } from "./scaip-sip-receiver.ts"
import { sipAuthenticatorFromConfig } from "./sip-accounts.ts"
import { receiveSipTcpItem, type SipHandlers, sipStreamBroken, sipTcpSplitter } from "./sip-tcp.ts"
import { serveSipUdp } from "./sip-udp.ts"
import { serveTcpFrames } from "./tcp-frames.ts"
import { serveUdpFrames } from "./udp-frames.ts"

/** A connection idle this long is closed; units keep theirs open with link tests well within it. */
const IdleTimeoutMs = 5 * 60_000
/** Connections each TCP receiver holds at once. */
const MaxConnections = 20_000
/** Bodies the HTTP receivers read: an OsmAnd report or a SCAIP request is a few hundred bytes. */
const MaxHttpBodyBytes = 16 * 1024
const HttpRequestTimeoutMs = 10_000

/** Every protocol's listeners, bound before the service says it is ready. */
const Listeners = Layer.effectDiscard(Effect.gen(function*() {
  const host = yield* bindHostConfig
  const ports = yield* ProtocolPortsConfig
  const arrived = () => performance.now()

  const dc09Tcp = yield* serveTcpFrames({
    label: "dc09",
    host,
    port: ports.dc09,
    maxConnections: MaxConnections,
    idleTimeoutMs: IdleTimeoutMs,
    splitter: () => makeFrameSplitter(),
    handle: (item) => receiveDc09Item(item, arrived())
  })
  const dc09Udp = yield* serveUdpFrames({
    label: "dc09",
    host,
    port: ports.dc09,
    maxInFlight: 4096,
    handle: (frame) => receiveDc09Frame(frame, arrived()),
    onDropped: countFrame("dc09", "dropped_busy")
  })

  const httpRefused = (protocol: "scaip" | "osmand") => (reasonKind: HttpRefusalKind, frame: HttpFrame) =>
    refuseFrame({
      protocol,
      reasonKind,
      reason: `${protocol} request refused before it was read whole (${reasonKind})`,
      // A request Node could not parse has no request line to show: its bytes as they came.
      raw: reasonKind === "malformed" ? frame.body : new TextEncoder().encode(requestText(frame))
    })

  // SCAIP: bare <mrq> documents over TCP, and HTTP POSTs of them on the same port.
  const scaipHttp = yield* httpFrameServer({
    label: "scaip",
    maxBodyBytes: MaxHttpBodyBytes,
    requestTimeoutMs: HttpRequestTimeoutMs,
    handle: (frame) => receiveScaipHttp(frame, arrived()),
    onRefused: httpRefused("scaip")
  })
  const scaip = yield* serveTcpFrames({
    label: "scaip",
    host,
    port: ports.scaip,
    maxConnections: MaxConnections,
    idleTimeoutMs: IdleTimeoutMs,
    splitter: () => {
      const splitter = new MrqFrameSplitter()
      return { push: splitter.push, end: () => [] }
    },
    handle: (item) => receiveScaipItem(item, arrived()),
    http: scaipHttp
  })

  // SCAIP in SIP MESSAGEs (SS 91100 §9.1), UDP and TCP on one port, authenticated by SIP digest when accounts are set.
  const sipAuth = yield* sipAuthenticatorFromConfig
  const sip: SipHandlers<DeviceIdentities | IngestLimits | Nats> = {
    onRequest: (request, raw, flow) => receiveSipRequest(request, raw, flow, sipAuth, arrived()),
    onUnreadable: receiveUnreadableSip,
    onResponse: receiveSipResponse,
    count: (outcome) => countFrame("scaip", outcome)
  }
  const scaipSipUdp = yield* serveSipUdp({ label: "scaip sip", host, port: ports.scaipSip, maxInFlight: 4096, ...sip })
  const scaipSipTcp = yield* serveTcpFrames({
    label: "scaip sip",
    host,
    port: ports.scaipSip,
    maxConnections: MaxConnections,
    idleTimeoutMs: IdleTimeoutMs,
    splitter: sipTcpSplitter,
    handle: (item, peer) => receiveSipTcpItem(item, peer, sip),
    closeAfter: sipStreamBroken
  })

  const osmand = yield* serveHttpFrames({
    label: "osmand",
    host,
    port: ports.osmand,
    maxBodyBytes: MaxHttpBodyBytes,
    requestTimeoutMs: HttpRequestTimeoutMs,
    handle: (frame) => receiveOsmAnd(frame, arrived()),
    onRefused: httpRefused("osmand")
  })
  yield* Effect.logInfo("receivers listening").pipe(Effect.annotateLogs({ host, dc09Tcp, dc09Udp, scaip, scaipSipUdp, scaipSipTcp, osmand }))
}))

const Http = Layer.unwrap(Effect.gen(function*() {
  const port = yield* receiversPortConfig
  return ServiceHttp.layer({ service: "receivers", port, readiness: infrastructureReadiness })
}))

runService(
  "receivers",
  Http.pipe(
    Layer.provideMerge(Listeners),
    Layer.provide(Layer.merge(DeviceIdentities.layer, IngestLimits.layer)),
    Layer.provideMerge(Infrastructure),
    Layer.provide(TracingLive("receivers"))
  )
)
