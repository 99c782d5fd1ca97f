import { Config } from "effect"
import { portConfig } from "@wt/service-runtime"

/** The receivers' own port: health, readiness, metrics. */
export const receiversPortConfig = portConfig("WT_RECEIVERS_PORT", 8097)

/** Where devices connect, one port per protocol (contract: `WT_DC09_PORT` 9000, `WT_OSMAND_PORT` 5055). */
export const ProtocolPortsConfig = Config.all({
  /** SIA DC-09, TCP and UDP on the same number. */
  dc09: portConfig("WT_DC09_PORT", 9000),
  /** SCAIP `<mrq>` over TCP, and over HTTP POST on the same port's HTTP twin (see scaip-receiver.ts). */
  scaip: portConfig("WT_SCAIP_PORT", 9100),
  /** SCAIP as the standard carries it: in SIP MESSAGEs, UDP and TCP on the same number (SIP's own 5060). */
  scaipSip: portConfig("WT_SCAIP_SIP_PORT", 5060),
  /** OsmAnd over HTTP. */
  osmand: portConfig("WT_OSMAND_PORT", 5055)
})
