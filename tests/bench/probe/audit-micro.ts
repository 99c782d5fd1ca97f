/**
 * CPU per device event of the audit writer's own steps (schema decode, entry, schema encode)
 * against plain JSON: `pnpm exec node tests/bench/probe/audit-micro.ts`.
 */
import { DeviceEvent, AuditEntry } from "@wt/contracts"
import { deviceEventEntry } from "@wt/audit-log"
import { decodeJson, encodeJson } from "@wt/nats"
import { demoSimFleet, makeFleetEvents } from "@wt/sim-devices"
import { Result } from "effect"
const fleet = demoSimFleet({ residents: 300 })
const made = makeFleetEvents(fleet, { seed: 1, idSalt: 1, mix: "normal" })
if (Result.isFailure(made)) throw new Error("x")
const enc = new TextEncoder()
const raws = Array.from({ length: 20000 }, (_, i) => enc.encode(JSON.stringify({ ...made.success.next(Date.now() - 3600000 + i * 100), receivedAt: new Date().toISOString() })))
for (let round = 0; round < 3; round++) {
  let t = performance.now()
  const decoded = raws.map((r) => Result.getOrThrow(decodeJson(DeviceEvent, r)))
  const tDecode = performance.now() - t; t = performance.now()
  const parsedOnly = raws.map((r) => JSON.parse(new TextDecoder().decode(r)))
  const tParse = performance.now() - t; t = performance.now()
  const entries = decoded.map((e, i) => deviceEventEntry(e, { stream: "WT_DEVICE", seq: i + 1 }))
  const tEntry = performance.now() - t; t = performance.now()
  const bytes = entries.map((e) => Result.getOrThrow(encodeJson(AuditEntry, e)))
  const tEncode = performance.now() - t; t = performance.now()
  const plain = entries.map((e) => enc.encode(JSON.stringify(e)))
  const tPlain = performance.now() - t
  const us = (ms: number) => (ms * 1000 / raws.length).toFixed(1)
  console.log(`per event µs: decode ${us(tDecode)} (JSON.parse alone ${us(tParse)}), entry ${us(tEntry)}, encode ${us(tEncode)} (JSON.stringify alone ${us(tPlain)}); ${bytes[0]!.length} bytes`)
}
