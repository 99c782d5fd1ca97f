import type { MedicationEventKind, SafetyAlarmTrigger, SensorKind, SensorState, TechnicalEventKind } from "@wt/contracts"
import { DeviceTypes, StatusCodes } from "./code-tables.ts"
import type { MessageType } from "./message-request.ts"

/**
 * What a SCAIP (device type, status code) means for the response centre: a versioned table from
 * SS 91100 codes to canonical `wt.device-event/v1` types. A status code alone says little ("open",
 * "alarm"): the device type decides whether "alarm" is a pendant press, a fall or smoke. So the
 * table is read in this order:
 *
 *   1. device-specific rules (a dispenser's "pill not taken", a bed monitor's "absent" …);
 *   2. rules for any device (battery low, mains lost, link lost, tamper, test transmission …);
 *   3. the status code's class: an alarm becomes the device type's own alarm, a fault a
 *      technical `sensor_supervision_lost`, a restore a sensor's `restored`, bookkeeping a heartbeat;
 *   4. a code the table does not know is never dropped: from a care device it is read as that
 *      device's alarm (someone looks), from a technical device as `sensor_supervision_lost`,
 *      both marked `unmapped: true` with the code kept.
 *
 * Change the table only together with `ScaipStatusMapVersion`: an event records the version that read it.
 */
export const ScaipStatusMapVersion = "scaip-map-2026.12.1"

export type Outcome =
  | { readonly type: "safety_alarm"; readonly payload: { readonly trigger: typeof SafetyAlarmTrigger.Type } & Extra }
  | { readonly type: "sensor"; readonly payload: { readonly sensor: typeof SensorKind.Type; readonly state: typeof SensorState.Type } & Extra }
  | { readonly type: "medication"; readonly payload: { readonly event: typeof MedicationEventKind.Type } & Extra }
  | { readonly type: "technical"; readonly payload: { readonly event: typeof TechnicalEventKind.Type } & Extra }
  /** A tracking device's alarm: a `gps` event with `sos: true` when it sent a position, else a button alarm. */
  | { readonly type: "tracker_sos"; readonly payload: Extra }

type Extra = { readonly [key: string]: string | number | boolean }

const alarm = (trigger: typeof SafetyAlarmTrigger.Type, extra: Extra = {}): Outcome => ({ type: "safety_alarm", payload: { trigger, ...extra } })
const sensor = (kind: typeof SensorKind.Type, state: typeof SensorState.Type, extra: Extra = {}): Outcome => ({
  type: "sensor",
  payload: { sensor: kind, state, ...extra }
})
const medication = (event: typeof MedicationEventKind.Type, extra: Extra = {}): Outcome => ({ type: "medication", payload: { event, ...extra } })
const technical = (event: typeof TechnicalEventKind.Type, extra: Extra = {}): Outcome => ({ type: "technical", payload: { event, ...extra } })

/**
 * Each device type's alarm (status 0009/0010/0011/0110, an omitted status, or a code the table does not know).
 * Some device types have no faithful canonical form yet (heart rate, environment, intruder, bogus caller):
 * they become a button alarm with a `cause`, so a person looks, rather than a sensor state nobody acts on.
 */
const AlarmByDevice: Readonly<Record<string, Outcome>> = {
  "0003": alarm("pendant"),
  "0006": alarm("pendant", { cause: "personal attack" }),
  "0005": alarm("fall_detector"),
  "0030": alarm("fall_detector", { cause: "man down" }),
  "0010": sensor("motion", "no_activity"), // Annex A: "also for inverted use as inactivity detection"
  "0011": medication("dose_missed"),
  "0012": sensor("bed", "left_bed"),
  "0013": sensor("motion", "triggered", { placement: "mat" }),
  "0014": sensor("door", "opened"),
  "0015": sensor("door", "opened", { cause: "wandering" }),
  "0016": sensor("bed", "triggered", { cause: "enuresis" }),
  "0017": sensor("epilepsy", "triggered"),
  "0018": sensor("motion", "triggered"),
  "0019": alarm("button", { cause: "heart rate" }),
  "0020": alarm("button", { cause: "environment" }),
  // Gas and carbon monoxide go where smoke goes: to the fire service at once.
  "0021": sensor("smoke", "triggered", { hazard: "gas" }),
  "0023": sensor("smoke", "triggered"),
  "0025": sensor("heat", "triggered"),
  "0026": sensor("smoke", "triggered", { hazard: "carbon monoxide" }),
  "0027": alarm("button", { cause: "bogus caller" }),
  "0028": alarm("button", { cause: "intruder" }),
  "0029": sensor("door", "opened", { cause: "boundary" }),
  "0033": sensor("water", "triggered"),
  "0034": sensor("water", "triggered", { placement: "bath" }),
  "0035": sensor("e_lock", "triggered"),
  "0036": sensor("door", "opened", { cause: "perimeter" }),
  "0037": sensor("heat", "triggered", { cause: "sprinkler" }),
  "0042": sensor("e_lock", "triggered"),
  "0043": sensor("e_lock", "triggered"),
  "0044": sensor("bed", "left_bed", { placement: "chair" }),
  "0046": alarm("button", { cause: "elevator" }),
  "0047": sensor("smoke", "triggered", { cause: "fire alarm system" }),
  "0051": { type: "tracker_sos", payload: {} },
  // Technical device types: their "alarm" is a fault of the installation.
  "0022": technical("sensor_supervision_lost", { fault: "lighting circuit" }),
  "0024": technical("sensor_supervision_lost", { fault: "heating system" }),
  "0031": technical("sensor_supervision_lost", { fault: "system monitor" }),
  "0032": technical("communication_failure"),
  "0038": technical("tamper"),
  "0039": technical("sensor_supervision_lost", { fault: "printer" }),
  "0040": technical("communication_failure", { fault: "router" }),
  "0041": technical("power_lost", { fault: "DC power supply" }),
  "0049": technical("sensor_supervision_lost", { fault: "monitoring device" }),
  "0050": technical("sensor_supervision_lost", { fault: "radio unit" })
}

const alarmOf = (dty: string): Outcome => {
  const known = AlarmByDevice[dty]
  if (known !== undefined) return known
  // Triggers, controllers, duty switches, vendor-specific (0900-0999) and unknown device types: a button alarm.
  return alarm("button")
}

interface Rule {
  readonly dty?: ReadonlyArray<string>
  readonly stc: ReadonlyArray<string>
  readonly to: Outcome
}

const Dispenser = ["0011"]
const BedLike = ["0012", "0044"]
const DoorLike = ["0014", "0015", "0029", "0036"]
const Locks = ["0035", "0042", "0043"]
const Activity = ["0010", "0018"]

/** Step 1: device-specific readings of status codes. */
const DeviceRules: ReadonlyArray<Rule> = [
  { dty: Dispenser, stc: ["0081"], to: medication("dose_missed") },
  { dty: Dispenser, stc: ["0083"], to: medication("dose_taken") },
  { dty: Dispenser, stc: ["0082"], to: medication("dose_due") },
  { dty: Dispenser, stc: ["0104"], to: medication("dose_late") },
  { dty: Dispenser, stc: ["0052"], to: medication("dispenser_jammed") },
  { dty: Dispenser, stc: ["0064"], to: medication("refill_needed") },
  { dty: Dispenser, stc: ["0076"], to: medication("lid_open") },
  // A manual alarm from a dispenser is a person pressing for help, not a dose.
  { dty: Dispenser, stc: ["0010"], to: alarm("button", { cause: "dispenser help button" }) },
  { dty: BedLike, stc: ["0003"], to: sensor("bed", "left_bed") },
  { dty: BedLike, stc: ["0117", "0121", "0071"], to: sensor("bed", "returned_to_bed") },
  { dty: DoorLike, stc: ["0076"], to: sensor("door", "opened") },
  { dty: DoorLike, stc: ["0077"], to: sensor("door", "opened", { tooLong: true }) },
  { dty: DoorLike, stc: ["0021", "0022"], to: sensor("door", "closed") },
  { dty: Locks, stc: ["0118"], to: sensor("e_lock", "locked") },
  { dty: Locks, stc: ["0127"], to: sensor("e_lock", "unlocked") },
  { dty: Locks, stc: ["0076"], to: sensor("e_lock", "opened") },
  { dty: Locks, stc: ["0021"], to: sensor("e_lock", "closed") },
  { dty: Activity, stc: ["0119", "0120", "0007"], to: sensor("motion", "activity") },
  { dty: Activity, stc: ["0049", "0069"], to: sensor("motion", "no_activity") },
  { dty: ["0025"], stc: ["0100", "0126"], to: sensor("heat", "triggered") },
  { dty: ["0020"], stc: ["0100"], to: alarm("button", { cause: "temperature high" }) },
  { dty: ["0020"], stc: ["0101"], to: alarm("button", { cause: "temperature low" }) }
]

/** Step 2: codes that mean the same from any device. */
const AnyDeviceRules: ReadonlyArray<Rule> = [
  { stc: ["0014", "0016"], to: technical("low_battery") },
  { stc: ["0085"], to: technical("power_lost") },
  { stc: ["0086"], to: technical("power_restored") },
  { stc: ["0023", "0024", "0025", "0026", "0027", "0031", "0073"], to: technical("communication_failure") },
  { stc: ["0075", "0091", "0112", "0113", "0114", "0115", "0116", "0124"], to: technical("communication_restored") },
  { stc: ["0095", "0122"], to: technical("radio_jamming") },
  { stc: ["0123"], to: technical("sensor_supervision_lost") },
  { stc: ["0125"], to: technical("tamper") },
  { stc: ["0102", "0103"], to: technical("periodic_test") },
  { stc: ["0090"], to: technical("heartbeat") }
]

export interface StatusReading {
  readonly outcome: Outcome
  /** Which row read it, e.g. "device 0011 + status 0081", for the record. */
  readonly rule: string
  /** True when neither the code nor its class was known and the device class decided. */
  readonly unmapped: boolean
}

const find = (rules: ReadonlyArray<Rule>, dty: string, stc: string): Rule | undefined =>
  rules.find((r) => r.stc.includes(stc) && (r.dty === undefined || r.dty.includes(dty)))

/**
 * Reads one request's (message type, device type, status code). `stc` undefined means the element
 * was omitted: SS 91100 says "alarm state shall be assumed".
 */
export const readStatus = (mty: MessageType, dty: string, stc: string | undefined): StatusReading => {
  if (mty === "PI") {
    const test = stc === "0102" || stc === "0103"
    return { outcome: technical(test ? "periodic_test" : "heartbeat"), rule: "message type PI (heartbeat)", unmapped: false }
  }
  if (stc === undefined) return { outcome: alarmOf(dty), rule: `device ${dty} + status omitted (alarm assumed)`, unmapped: false }

  const deviceRule = find(DeviceRules, dty, stc)
  if (deviceRule !== undefined) return { outcome: deviceRule.to, rule: `device ${dty} + status ${stc}`, unmapped: false }
  const anyRule = find(AnyDeviceRules, dty, stc)
  if (anyRule !== undefined) return { outcome: anyRule.to, rule: `status ${stc} (any device)`, unmapped: false }

  const status = StatusCodes[stc]
  const deviceClass = DeviceTypes[dty]?.class ?? "care"
  if (status === undefined || status.class === "unknown") {
    const outcome = deviceClass === "care" ? alarmOf(dty) : technical("sensor_supervision_lost")
    return { outcome, rule: `unmapped status ${stc} from a ${deviceClass} device`, unmapped: true }
  }
  const byClass = `status class ${status.class}`
  switch (status.class) {
    case "alarm":
      return { outcome: alarmOf(dty), rule: `${byClass}: device ${dty}'s alarm`, unmapped: false }
    case "fault":
      return { outcome: technical("sensor_supervision_lost", { fault: status.meaning }), rule: byClass, unmapped: false }
    case "restore": {
      const own = alarmOf(dty)
      if (own.type === "sensor") return { outcome: sensor(own.payload.sensor, "restored"), rule: `${byClass}: device ${dty}'s sensor`, unmapped: false }
      return { outcome: technical("heartbeat", { status: status.meaning }), rule: byClass, unmapped: false }
    }
    case "test":
      return { outcome: technical("periodic_test"), rule: byClass, unmapped: false }
    case "state":
    case "info":
      // A state this device type gives no meaning to, or bookkeeping: the device is alive, nothing more.
      return { outcome: technical("heartbeat", { status: status.meaning }), rule: byClass, unmapped: false }
  }
}
