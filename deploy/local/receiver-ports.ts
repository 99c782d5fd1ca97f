import { Config } from "effect"

/** Where `pnpm start`'s receivers listen for devices (the receivers service reads the same variables). */
export const receiverPorts = Config.all({
  dc09: Config.Port("WT_DC09_PORT").pipe(Config.withDefault(9000)),
  scaip: Config.Port("WT_SCAIP_PORT").pipe(Config.withDefault(9100)),
  scaipSip: Config.Port("WT_SCAIP_SIP_PORT").pipe(Config.withDefault(5060)),
  osmand: Config.Port("WT_OSMAND_PORT").pipe(Config.withDefault(5055))
})

/** The banner's lines for the receivers: one port per protocol. */
export const receiverLines = (ports: { readonly dc09: number; readonly scaip: number; readonly scaipSip: number; readonly osmand: number }): ReadonlyArray<string> => [
  ` SIA DC-09       tcp+udp ${ports.dc09}   (WT_DC09_PORT; accounts in pnpm wt registry export)`,
  ` SCAIP over SIP  udp+tcp ${ports.scaipSip}   (SIP MESSAGE, application/scaip+xml; WT_SCAIP_SIP_PORT; digest accounts: WT_SCAIP_SIP_ACCOUNTS)`,
  ` SCAIP           tcp ${ports.scaip}      (<mrq> over TCP, or HTTP POST to the same port)`,
  ` OsmAnd          http://localhost:${ports.osmand}/?id=…&lat=…&lon=…   (GPS trackers, Traccar Client)`
]
