import type { SafetyAlarmTrigger, SensorKind, SensorState, TechnicalEventKind } from "@wt/contracts"

/**
 * What a DC-09 event code means on the canonical event, `wt.device-event/v1`.
 * Versioned: every event records the table's version, so a decision can be traced to the
 * mapping that produced it, and a changed mapping is a new version.
 */
export type Canonical =
  | { readonly type: "safety_alarm"; readonly trigger: typeof SafetyAlarmTrigger.Type; readonly detail?: Detail }
  | { readonly type: "sensor"; readonly sensor: typeof SensorKind.Type; readonly state: typeof SensorState.Type; readonly detail?: Detail }
  | { readonly type: "technical"; readonly event: typeof TechnicalEventKind.Type; readonly detail?: Detail }

/** Extra payload fields that say more than the canonical kind can (e.g. which hazard). */
export type Detail = { readonly [field: string]: string | boolean }

/** A Contact ID event code: what a new event (qualifier 1, and 6 "still present") and a restore (3) mean. */
export interface ContactIdRule {
  readonly meaning: string
  readonly active: Canonical
  readonly restore: Canonical
}

/** An SIA (DC-03) code already says alarm or restore, so it has one meaning. */
export interface SiaRule {
  readonly meaning: string
  readonly canonical: Canonical
}

const care = (trigger: typeof SafetyAlarmTrigger.Type, detail?: Detail): Canonical => ({ type: "safety_alarm", trigger, ...(detail ? { detail } : {}) })
const sensor = (kind: typeof SensorKind.Type, state: typeof SensorState.Type, detail?: Detail): Canonical => ({
  type: "sensor",
  sensor: kind,
  state,
  ...(detail ? { detail } : {})
})
const technical = (event: typeof TechnicalEventKind.Type, detail?: Detail): Canonical => ({ type: "technical", event, ...(detail ? { detail } : {}) })

/**
 * A restore the contract has no kind for (a pendant alarm reset at the unit, a battery
 * replaced): it arrives as a sign of life that says what it restores, never dropped.
 */
const restoredOnly = (what: string): Canonical => technical("heartbeat", { condition: "restored", restoreOf: what })

const fire = (detail?: Detail) => ({ active: sensor("smoke", "triggered", detail), restore: sensor("smoke", "restored", detail) })
const heat = (detail?: Detail) => ({ active: sensor("heat", "triggered", detail), restore: sensor("heat", "restored", detail) })
const supervisionLost = { active: technical("sensor_supervision_lost"), restore: technical("communication_restored") }
const communication = { active: technical("communication_failure"), restore: technical("communication_restored") }
const info = (what: string) => ({ active: technical("heartbeat", { condition: what }), restore: technical("heartbeat", { condition: what }) })

export const CodeTableVersion = "dc09-codes/2026-12"

/**
 * Contact ID (SIA DC-05) codes seen on social alarms and their neighbours. Choices where
 * vendors differ:
 * - 120 "panic" is a button press (`button`); vendors that send a fall as 120 need their own table.
 * - 110/111/112/115/117 all mean fire: a smoke sensor triggered, which triage sends to the fire
 *   service at once; 114 and 158 (heat, high temperature) are a heat sensor, also a fire risk.
 * - 162 carbon monoxide (and 151 gas) have no sensor kind in v1: mapped as smoke so they reach the
 *   fire service at P1, with `hazard` naming the real cause.
 * - 159 low temperature is a cold home, a danger to a frail person but no fire: a care alarm
 *   (`button`) with `condition: low_temperature`, so an operator calls at once.
 * - 391 "sensor watch" (a motion sensor not triggered in its period) is inactivity.
 */
const contactId: { readonly [code: string]: ContactIdRule } = {
  "100": { meaning: "medical alarm", active: care("button"), restore: restoredOnly("medical alarm") },
  "101": { meaning: "personal emergency (pendant)", active: care("pendant"), restore: restoredOnly("personal emergency") },
  "102": { meaning: "fail to report in", ...supervisionLost },
  "110": { meaning: "fire", ...fire() },
  "111": { meaning: "smoke", ...fire() },
  "112": { meaning: "combustion", ...fire() },
  "114": { meaning: "heat", ...heat() },
  "115": { meaning: "fire pull station", ...fire() },
  "117": { meaning: "flame", ...fire() },
  "120": { meaning: "panic", active: care("button", { panic: true }), restore: restoredOnly("panic") },
  "121": { meaning: "duress", active: care("button", { duress: true }), restore: restoredOnly("duress") },
  "122": { meaning: "silent panic", active: care("button", { panic: true }), restore: restoredOnly("panic") },
  "123": { meaning: "audible panic", active: care("button", { panic: true }), restore: restoredOnly("panic") },
  "137": { meaning: "tamper", active: technical("tamper"), restore: restoredOnly("tamper") },
  "144": { meaning: "sensor tamper", active: technical("tamper"), restore: restoredOnly("tamper") },
  "145": { meaning: "module tamper", active: technical("tamper"), restore: restoredOnly("tamper") },
  "147": { meaning: "sensor supervision failure", ...supervisionLost },
  "151": { meaning: "gas detected", ...fire({ hazard: "gas" }) },
  "154": { meaning: "water leak", active: sensor("water", "triggered"), restore: sensor("water", "restored") },
  "158": { meaning: "high temperature", ...heat({ condition: "high_temperature" }) },
  "159": { meaning: "low temperature", active: care("button", { condition: "low_temperature" }), restore: restoredOnly("low temperature") },
  "162": { meaning: "carbon monoxide", ...fire({ hazard: "carbon_monoxide" }) },
  "301": { meaning: "mains power loss", active: technical("power_lost"), restore: technical("power_restored") },
  "302": { meaning: "low system battery", active: technical("low_battery"), restore: restoredOnly("low battery") },
  "305": { meaning: "system reset", ...info("system_reset") },
  "306": { meaning: "programming changed", ...info("programming_changed") },
  "309": { meaning: "battery test failure", active: technical("low_battery"), restore: restoredOnly("battery") },
  "311": { meaning: "battery missing", active: technical("low_battery"), restore: restoredOnly("battery") },
  "344": { meaning: "radio jamming", active: technical("radio_jamming"), restore: restoredOnly("radio jamming") },
  "350": { meaning: "communication trouble", ...communication },
  "351": { meaning: "telecom line fault", ...communication },
  "352": { meaning: "second telecom line fault", ...communication },
  "353": { meaning: "radio transmitter fault", ...communication },
  "354": { meaning: "failure to communicate", ...communication },
  "355": { meaning: "loss of radio supervision", ...supervisionLost },
  "381": { meaning: "radio sensor supervision lost", ...supervisionLost },
  "383": { meaning: "sensor tamper", active: technical("tamper"), restore: restoredOnly("tamper") },
  "384": { meaning: "radio sensor low battery", active: technical("low_battery"), restore: restoredOnly("low battery") },
  "391": { meaning: "no activity in the sensor watch period", active: sensor("motion", "no_activity"), restore: sensor("motion", "activity") },
  "601": { meaning: "manual test", active: technical("periodic_test", { manual: true }), restore: technical("periodic_test", { manual: true }) },
  "602": { meaning: "periodic test", active: technical("periodic_test"), restore: technical("periodic_test") },
  "603": { meaning: "periodic radio transmission", active: technical("periodic_test"), restore: technical("periodic_test") },
  "608": { meaning: "periodic test, system trouble present", active: technical("periodic_test", { troublePresent: true }), restore: technical("periodic_test") },
  "625": { meaning: "time and date reset", ...info("time_reset") },
  "627": { meaning: "program mode entry", ...info("program_mode") },
  "628": { meaning: "program mode exit", ...info("program_mode") }
}

/**
 * SIA DC-03 two-letter codes (the second letter: A alarm, H alarm restore, R restoral,
 * T trouble, J trouble restore, S supervisory, Z missing, X test). Same choices as Contact ID:
 * QA emergency is the pendant (CID 101), MA medical (100), PA panic (120).
 */
const sia: { readonly [code: string]: SiaRule } = {
  MA: { meaning: "medical alarm", canonical: care("button") },
  MH: { meaning: "medical alarm restore", canonical: restoredOnly("medical alarm") },
  MR: { meaning: "medical restoral", canonical: restoredOnly("medical alarm") },
  QA: { meaning: "emergency alarm (pendant)", canonical: care("pendant") },
  QH: { meaning: "emergency alarm restore", canonical: restoredOnly("personal emergency") },
  QR: { meaning: "emergency restoral", canonical: restoredOnly("personal emergency") },
  PA: { meaning: "panic alarm", canonical: care("button", { panic: true }) },
  PH: { meaning: "panic alarm restore", canonical: restoredOnly("panic") },
  PR: { meaning: "panic restoral", canonical: restoredOnly("panic") },
  HA: { meaning: "holdup / duress alarm", canonical: care("button", { duress: true }) },
  FA: { meaning: "fire alarm", canonical: sensor("smoke", "triggered") },
  FH: { meaning: "fire alarm restore", canonical: sensor("smoke", "restored") },
  FR: { meaning: "fire restoral", canonical: sensor("smoke", "restored") },
  KA: { meaning: "heat alarm", canonical: sensor("heat", "triggered") },
  KH: { meaning: "heat alarm restore", canonical: sensor("heat", "restored") },
  KR: { meaning: "heat restoral", canonical: sensor("heat", "restored") },
  GA: { meaning: "gas alarm", canonical: sensor("smoke", "triggered", { hazard: "gas" }) },
  GH: { meaning: "gas alarm restore", canonical: sensor("smoke", "restored", { hazard: "gas" }) },
  GR: { meaning: "gas restoral", canonical: sensor("smoke", "restored", { hazard: "gas" }) },
  WA: { meaning: "water alarm", canonical: sensor("water", "triggered") },
  WH: { meaning: "water alarm restore", canonical: sensor("water", "restored") },
  WR: { meaning: "water restoral", canonical: sensor("water", "restored") },
  ZA: { meaning: "freeze alarm", canonical: care("button", { condition: "low_temperature" }) },
  ZH: { meaning: "freeze alarm restore", canonical: restoredOnly("low temperature") },
  ZR: { meaning: "freeze restoral", canonical: restoredOnly("low temperature") },
  AT: { meaning: "AC power trouble", canonical: technical("power_lost") },
  AR: { meaning: "AC power restoral", canonical: technical("power_restored") },
  YT: { meaning: "system battery trouble", canonical: technical("low_battery") },
  YR: { meaning: "system battery restoral", canonical: restoredOnly("low battery") },
  YM: { meaning: "system battery missing", canonical: technical("low_battery") },
  XT: { meaning: "transmitter battery trouble", canonical: technical("low_battery") },
  XR: { meaning: "transmitter battery restoral", canonical: restoredOnly("low battery") },
  XQ: { meaning: "radio interference", canonical: technical("radio_jamming") },
  XH: { meaning: "radio interference restoral", canonical: restoredOnly("radio jamming") },
  YC: { meaning: "communications fail", canonical: technical("communication_failure") },
  YS: { meaning: "communications trouble", canonical: technical("communication_failure") },
  YK: { meaning: "communications restoral", canonical: technical("communication_restored") },
  LT: { meaning: "phone line trouble", canonical: technical("communication_failure") },
  LR: { meaning: "phone line restoral", canonical: technical("communication_restored") },
  NT: { meaning: "network failure", canonical: technical("communication_failure") },
  NR: { meaning: "network restoral", canonical: technical("communication_restored") },
  BZ: { meaning: "missing supervision", canonical: technical("sensor_supervision_lost") },
  FZ: { meaning: "missing fire supervision", canonical: technical("sensor_supervision_lost") },
  XM: { meaning: "missing radio point", canonical: technical("sensor_supervision_lost") },
  TA: { meaning: "tamper alarm", canonical: technical("tamper") },
  TR: { meaning: "tamper restoral", canonical: restoredOnly("tamper") },
  XS: { meaning: "radio receiver tamper", canonical: technical("tamper") },
  RP: { meaning: "automatic test", canonical: technical("periodic_test") },
  RX: { meaning: "manual test", canonical: technical("periodic_test", { manual: true }) },
  RR: { meaning: "power up", canonical: technical("heartbeat", { condition: "power_up" }) }
}

/** A code table: the default below, or a vendor's variant of it under its own version. */
export interface CodeTable {
  readonly version: string
  readonly contactId: { readonly [code: string]: ContactIdRule }
  readonly sia: { readonly [code: string]: SiaRule }
}

export const DefaultCodeTable: CodeTable = { version: CodeTableVersion, contactId, sia }

export interface Mapping {
  readonly canonical: Canonical
  readonly meaning: string
  /** "table" when the code is in the table, "class" when the rule for its class chose. */
  readonly by: "table" | "class"
}

/**
 * A Contact ID code not in the table still becomes an event, by its class (the first digit,
 * and the second for alarms), never dropped:
 * - 11x fire → smoke triggered (fire service); other 1xx alarms (medical, panic, burglary,
 *   general, 24-hour) → a care alarm (`button`), urgent; their restores → a sign of life;
 * - 2xx supervisory, 3xx troubles → sensor supervision lost (the device may not protect: P2 on a
 *   safety alarm), their restores → communication restored;
 * - 6xx tests → periodic test; 4xx openings/closings, 5xx bypasses and the rest → a sign of life.
 */
export const contactIdClassRule = (event: string, restore: boolean): Mapping => {
  const group = event[0]
  if (group === "1") {
    if (event[1] === "1") return { canonical: restore ? sensor("smoke", "restored") : sensor("smoke", "triggered"), meaning: "fire-class alarm", by: "class" }
    return { canonical: restore ? restoredOnly("alarm") : care("button"), meaning: "alarm", by: "class" }
  }
  if (group === "2" || group === "3") return { canonical: restore ? technical("communication_restored") : technical("sensor_supervision_lost"), meaning: "trouble", by: "class" }
  if (group === "6") return { canonical: technical("periodic_test"), meaning: "test", by: "class" }
  return { canonical: technical("heartbeat", { condition: "informational" }), meaning: "informational", by: "class" }
}

/**
 * An SIA code not in the table, by its letters: `?A` alarms are fire (F, K, G → smoke or heat
 * triggered), water (W) or otherwise a care alarm (`button`); `?H`, `?R`, `?J` restores are a sign
 * of life; `?T`, `?S`, `?Z` troubles are sensor supervision lost; `?X` tests a periodic test; the
 * rest (openings, bypasses …) a sign of life.
 */
export const siaClassRule = (code: string): Mapping => {
  const [family, kind] = [code[0], code[1]]
  if (kind === "A") {
    if (family === "F" || family === "G") return { canonical: sensor("smoke", "triggered"), meaning: "fire-class alarm", by: "class" }
    if (family === "K") return { canonical: sensor("heat", "triggered"), meaning: "heat-class alarm", by: "class" }
    if (family === "W") return { canonical: sensor("water", "triggered"), meaning: "water-class alarm", by: "class" }
    return { canonical: care("button"), meaning: "alarm", by: "class" }
  }
  if (kind === "H" || kind === "R" || kind === "J") return { canonical: restoredOnly(code), meaning: "restore", by: "class" }
  if (kind === "T" || kind === "S" || kind === "Z") return { canonical: technical("sensor_supervision_lost"), meaning: "trouble", by: "class" }
  if (kind === "X") return { canonical: technical("periodic_test"), meaning: "test", by: "class" }
  return { canonical: technical("heartbeat", { condition: "informational" }), meaning: "informational", by: "class" }
}

export const mapContactId = (table: CodeTable, event: string, qualifier: "1" | "3" | "6"): Mapping => {
  const rule = table.contactId[event]
  const restore = qualifier === "3"
  return rule === undefined ? contactIdClassRule(event, restore) : { canonical: restore ? rule.restore : rule.active, meaning: rule.meaning, by: "table" }
}

export const mapSia = (table: CodeTable, code: string): Mapping => {
  const rule = table.sia[code]
  return rule === undefined ? siaClassRule(code) : { canonical: rule.canonical, meaning: rule.meaning, by: "table" }
}
