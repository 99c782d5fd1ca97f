/**
 * `pnpm bench receivers`, part (d): each codec's own fuzz entry on many inputs, pure and in this
 * process. DC-09 has a generator of its own (`fuzzParse`); for SCAIP, OsmAnd and webhooks the
 * inputs are made here from the device simulator's independent encoders: whole valid frames (which
 * must be read as events), mutations of them, and arbitrary bytes. Any throw, or a valid frame not
 * read as events, is a violation and fails the run.
 */
import { Result } from "effect"
import type { DeviceEvent } from "@wt/contracts"
import { fuzzParse } from "@wt/dc09"
import { fuzzOsmAnd } from "@wt/osmand"
import { fuzzScaip } from "@wt/scaip"
import { makeRng, type Rng } from "@wt/seeded-random"
import {
  demoSimFleet,
  generateEvents,
  osmandRequestFor,
  scaipContentFor,
  scaipStyleOf,
  vendorEventFor,
  wireDeviceOf,
  wireDirectory
} from "@wt/sim-devices"
import { encodeMrq } from "@wt/sim-devices/protocols/scaip"
import { dispenserDelivery, sensorDelivery } from "@wt/sim-devices/protocols/webhook"
import { fuzzWebhook, loadBundledVendorMappings } from "@wt/webhooks"

export interface CodecFuzzFigure {
  readonly protocol: string
  readonly entry: string
  readonly inputs: number
  readonly seconds: number
  /** How many inputs ended in each outcome (the codec's own words), most frequent first. */
  readonly outcomes: Readonly<Record<string, number>>
  readonly violationCount: number
  readonly violations: ReadonlyArray<string>
}

// The codecs' fuzz entries read at this instant; valid frames are dated before it.
const FuzzNowMs = Date.parse("2026-11-25T21:04:05.120Z")
const utf8 = new TextEncoder()

/** Byte-level damage of the kinds a line or a buggy unit does. */
export const mutate = (rng: Rng, input: Uint8Array, specials: ReadonlyArray<number>): Uint8Array => {
  const b = Array.from(input)
  for (let n = rng.int(1, 3); n > 0; n--) {
    const at = rng.int(0, Math.max(0, b.length - 1))
    switch (rng.int(0, 6)) {
      case 0:
        b[at] = rng.int(0, 255)
        break
      case 1:
        b.splice(at, rng.int(1, 8))
        break
      case 2:
        b.splice(at, 0, ...Array.from({ length: rng.int(1, 8) }, () => rng.int(0, 255)))
        break
      case 3:
        b.length = at
        break
      case 4:
        b.splice(at, 0, ...b.slice(rng.int(0, at), at))
        break
      case 5:
        b[at] = rng.pick(specials)
        break
      default:
        // A digit changed: numbers, codes and times are where readers slip.
        b[at] = 0x30 + rng.int(0, 9)
    }
  }
  return Uint8Array.from(b)
}

export const arbitraryBytes = (rng: Rng, max = 600): Uint8Array =>
  Uint8Array.from({ length: rng.int(0, max) }, () => (rng.chance(0.6) ? rng.int(0x20, 0x7e) : rng.int(0, 255)))

const sortedCounts = (counts: Map<string, number>) => Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]).slice(0, 40))

/** Valid frames of each protocol for a fleet's events, dated before the fuzz entries' clock. */
export const validFrames = (count: number, seed: number) => {
  const fleet = demoSimFleet({ residents: 200 })
  const directory = wireDirectory(fleet)
  const events = [
    ...Result.getOrThrow(generateEvents(fleet, { seed, idSalt: seed, mix: "normal" }, count, { startMs: FuzzNowMs - 600_000, stepMs: 25 })),
    ...Result.getOrThrow(generateEvents(fleet, { seed: seed + 1, idSalt: seed, mix: "alarms-only" }, Math.ceil(count / 4), { startMs: FuzzNowMs - 300_000, stepMs: 25 }))
  ]
  const scaip: Array<Uint8Array> = []
  const osmandQuery: Array<Uint8Array> = []
  const osmandJson: Array<Uint8Array> = []
  const webhook: Array<{ readonly vendor: string; readonly body: Uint8Array; readonly events: number }> = []
  let ref = 0
  const batch: { "demo-dispenser": Array<never>; "demo-sensors": Array<never> } = { "demo-dispenser": [], "demo-sensors": [] }
  for (const event of events as ReadonlyArray<DeviceEvent>) {
    const device = wireDeviceOf(directory, event)
    if (device._tag === "skip") continue
    const s = scaipContentFor(event, device.message, FuzzNowMs)
    if (s._tag === "send") scaip.push(utf8.encode(encodeMrq({ ...s.message, ref: `F${(ref++).toString(36)}` }, scaipStyleOf(device.message.digits))))
    const o = osmandRequestFor(event, device.message)
    if (o._tag === "send") {
      if (o.message.method === "GET") osmandQuery.push(utf8.encode(o.message.url.slice(2)))
      else osmandJson.push(utf8.encode(o.message.body))
    }
    const w = vendorEventFor(event, device.message)
    if (w._tag === "send") {
      const pending = batch[w.message.vendor] as Array<typeof w.message.event>
      pending.push(w.message.event)
      if (pending.length >= 1 + (ref % 4)) {
        const body = w.message.vendor === "demo-dispenser"
          ? dispenserDelivery(pending as never, "s", FuzzNowMs).body
          : sensorDelivery(pending as never, ["s"], FuzzNowMs).body
        webhook.push({ vendor: w.message.vendor, body: utf8.encode(body), events: pending.length })
        pending.length = 0
      }
    }
  }
  return { scaip, osmandQuery, osmandJson, webhook }
}

const run = (
  protocol: string,
  entry: string,
  inputs: number,
  one: (n: number, violate: (what: string) => void) => string
): CodecFuzzFigure => {
  const counts = new Map<string, number>()
  const violations: Array<string> = []
  let violationCount = 0
  const violate = (what: string) => {
    violationCount++
    if (violations.length < 20) violations.push(what)
  }
  const t0 = performance.now()
  for (let n = 0; n < inputs; n++) {
    let outcome: string
    try {
      outcome = one(n, violate)
    } catch (error) {
      violate(`input ${n}: threw ${String(error).slice(0, 200)}`)
      outcome = "threw"
    }
    counts.set(outcome, (counts.get(outcome) ?? 0) + 1)
  }
  return { protocol, entry, inputs, seconds: Math.round((performance.now() - t0) / 10) / 100, outcomes: sortedCounts(counts), violationCount, violations }
}

const XmlSpecials = [0x3c, 0x3e, 0x2f, 0x26, 0x3b, 0x22, 0x27, 0x00, 0x0a, 0xff, 0x3f, 0x21]
const QuerySpecials = [0x26, 0x3d, 0x25, 0x2b, 0x2c, 0x2e, 0x2d, 0x00, 0xff, 0x3f]
const JsonSpecials = [0x7b, 0x7d, 0x5b, 0x5d, 0x22, 0x3a, 0x2c, 0x5c, 0x2d, 0x2e, 0x65, 0x00]

export const fuzzCodecs = (inputs: number, seed = 18): ReadonlyArray<CodecFuzzFigure> => {
  const frames = validFrames(4000, seed)
  const rng = makeRng(seed, 7)
  const figures: Array<CodecFuzzFigure> = []

  const dc09T0 = performance.now()
  const dc09 = fuzzParse({ inputs, seed })
  figures.push({
    protocol: "dc09",
    entry: "fuzzParse",
    inputs,
    seconds: Math.round((performance.now() - dc09T0) / 10) / 100,
    outcomes: Object.fromEntries([
      ["parsed", dc09.parsed],
      ...Object.entries(dc09.refused).filter(([, n]) => n > 0).map(([reason, n]) => [`refused:${reason}`, n] as const),
      ...Object.entries(dc09.replies).map(([kind, n]) => [`reply:${kind}`, n] as const)
    ]),
    violationCount: dc09.violationCount,
    violations: dc09.violations
  })

  figures.push(run("scaip", "fuzzScaip", inputs, (n, violate) => {
    const roll = rng.int(0, 9)
    const valid = rng.pick(frames.scaip)
    const input = roll < 2 ? valid : roll < 7 ? mutate(rng, valid, XmlSpecials) : arbitraryBytes(rng)
    const outcome = fuzzScaip(input)
    if (roll < 2 && !outcome.startsWith("event:")) violate(`input ${n}: a valid <mrq> was ${outcome}`)
    return outcome
  }))

  figures.push(run("osmand", "fuzzOsmAnd", inputs, (n, violate) => {
    const roll = rng.int(0, 9)
    const json = rng.chance(0.5)
    const valid = rng.pick(json ? frames.osmandJson : frames.osmandQuery)
    const input = roll < 2 ? valid : roll < 7 ? mutate(rng, valid, json ? JsonSpecials : QuerySpecials) : arbitraryBytes(rng)
    const outcome = fuzzOsmAnd(input)
    const [query, body] = outcome.split(" ")
    if (roll < 2 && !(json ? body : query)?.startsWith("events:")) violate(`input ${n}: a valid ${json ? "JSON" : "query"} report was ${outcome}`)
    return outcome
  }))

  const mappings = Result.getOrThrow(loadBundledVendorMappings())
  figures.push(run("webhook", "fuzzWebhook", inputs, (n, violate) => {
    const roll = rng.int(0, 9)
    const valid = rng.pick(frames.webhook)
    const input = roll < 2 ? valid.body : roll < 7 ? mutate(rng, valid.body, JsonSpecials) : arbitraryBytes(rng, 2000)
    const outcomes = [...mappings.values()].map((m) => `${m.mapping.vendor}=${fuzzWebhook(m.mapping, input)}`)
    if (roll < 2 && !outcomes.includes(`${valid.vendor}=events:${valid.events}/refused:0`)) {
      violate(`input ${n}: a valid ${valid.vendor} delivery of ${valid.events} was ${outcomes.join(" ")}`)
    }
    // Counted by what the delivery's own vendor made of it (the other mapping refuses most).
    return outcomes.find((o) => o.startsWith(`${valid.vendor}=`))!.replace(/events:\d+/u, "events:n").replace(/refused:\d+$/u, (m) => (m === "refused:0" ? m : "refused:n"))
  }))
  return figures
}
