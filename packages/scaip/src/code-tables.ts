/**
 * SCAIP's code tables as SS 91100:2014 (Annexes A, C, D) defines them; CENELEC TS 50134-9:2018 keeps
 * them for backwards compatibility. Codes travel as 1-4 (device type, status) or 1-3 (location) digits;
 * they are held here zero-padded ("10" is "0010"). What a code means for the response centre is in
 * status-map.ts; this file is only the standard's words.
 */

export const CodeTablesVersion = "SS 91100:2014"

/** How a status code reads on its own, before the device type is known. */
export type StatusClass =
  /** A person or a detector asks for help. */
  | "alarm"
  /** Something is broken or missing: the device cannot be trusted. */
  | "fault"
  /** A fault or alarm condition has ended. */
  | "restore"
  /** A scheduled test transmission. */
  | "test"
  /** A state a sensor reports (open, occupied, lying in bed …): its meaning depends on the device. */
  | "state"
  /** Bookkeeping (accepted, executed, log …): a sign of life and nothing more. */
  | "info"
  /** The standard's own "unknown"/"undefined". */
  | "unknown"

const s = (meaning: string, klass: StatusClass) => ({ meaning, class: klass }) as const

/** Annex C, Table C.1 (0000-0127). 0128-0899 are reserved, 0900-0999 vendor-specific, 1000+ unspecified. */
export const StatusCodes: Readonly<Record<string, { readonly meaning: string; readonly class: StatusClass }>> = {
  "0000": s("unknown", "unknown"),
  "0001": s("undefined", "unknown"),
  "0002": s("abort", "info"),
  "0003": s("absent/away", "state"),
  "0004": s("accepted", "info"),
  "0005": s("acknowledge", "info"),
  "0006": s("activated", "state"),
  "0007": s("active", "state"),
  "0008": s("added", "info"),
  "0009": s("alarm (automatic)", "alarm"),
  "0010": s("alarm (manual)", "alarm"),
  "0011": s("alert", "alarm"),
  "0012": s("armed", "state"),
  "0013": s("assigned", "info"),
  "0014": s("battery failure", "fault"),
  "0015": s("battery high/full/recharged", "restore"),
  "0016": s("battery low", "fault"),
  "0017": s("busy", "info"),
  "0018": s("bypass", "state"),
  "0019": s("cancel", "restore"),
  "0020": s("changed", "info"),
  "0021": s("closed", "state"),
  "0022": s("closed too long", "state"),
  "0023": s("communication link, IP, failure", "fault"),
  "0024": s("communication link, mobile network, failure", "fault"),
  "0025": s("communication link, POTS, failure", "fault"),
  "0026": s("communication link, primary, failure", "fault"),
  "0027": s("communication link, redundant, failure", "fault"),
  "0028": s("deleted", "info"),
  "0029": s("denied", "info"),
  "0030": s("disarmed", "state"),
  "0031": s("disconnected", "fault"),
  "0032": s("error, code 1", "fault"),
  "0033": s("error, code 2", "fault"),
  "0034": s("error, code 3", "fault"),
  "0035": s("error, code 4", "fault"),
  "0036": s("error, code 5", "fault"),
  "0037": s("error, code 6", "fault"),
  "0038": s("error, code 7", "fault"),
  "0039": s("error, code 8", "fault"),
  "0040": s("error, code 9", "fault"),
  "0041": s("executed", "info"),
  "0042": s("failure", "fault"),
  "0043": s("frequency drifted", "fault"),
  "0044": s("frequency drifted to lower level", "fault"),
  "0045": s("frequency drifted to upper level", "fault"),
  "0046": s("high level", "state"),
  "0047": s("in progress", "info"),
  "0048": s("in service (fault rectified)", "restore"),
  "0049": s("inactive", "state"),
  "0050": s("initiated", "info"),
  "0051": s("interrupted", "fault"),
  "0052": s("jammed", "fault"),
  "0053": s("level 1", "state"),
  "0054": s("level 2", "state"),
  "0055": s("level 3", "state"),
  "0056": s("level 4", "state"),
  "0057": s("level 5", "state"),
  "0058": s("level 6", "state"),
  "0059": s("level 7", "state"),
  "0060": s("level 8", "state"),
  "0061": s("level 9", "state"),
  "0062": s("log", "info"),
  "0063": s("loss", "fault"),
  "0064": s("low level", "state"),
  "0065": s("maintenance, scheduled, needed", "fault"),
  "0066": s("maintenance, urgently needed", "fault"),
  "0067": s("malfunction", "fault"),
  "0068": s("memory full", "fault"),
  "0069": s("non-active", "state"),
  "0070": s("normal state", "restore"),
  "0071": s("occupied", "state"),
  "0072": s("off (indication)", "state"),
  "0073": s("offline", "fault"),
  "0074": s("on (indication)", "state"),
  "0075": s("online", "restore"),
  "0076": s("open", "state"),
  "0077": s("open too long", "state"),
  "0078": s("out of service", "fault"),
  "0079": s("overflow", "fault"),
  "0080": s("pending", "info"),
  "0081": s("pill not taken", "state"),
  "0082": s("pill reminder", "state"),
  "0083": s("pill taken", "state"),
  "0084": s("planned", "info"),
  "0085": s("power failure (mains)", "fault"),
  "0086": s("power restored (mains)", "restore"),
  "0087": s("presence, planned", "restore"),
  "0088": s("presence, upon alarm", "restore"),
  "0089": s("privacy switch operated", "state"),
  "0090": s("pulse", "test"),
  "0091": s("re-established", "restore"),
  "0092": s("reset (automatic)", "restore"),
  "0093": s("reset (manual)", "restore"),
  "0094": s("restoral", "restore"),
  "0095": s("RF interference", "fault"),
  "0096": s("started", "info"),
  "0097": s("stopped/ended", "info"),
  "0098": s("substituted", "info"),
  "0099": s("succeeded", "info"),
  "0100": s("temperature high", "state"),
  "0101": s("temperature low", "state"),
  "0102": s("test transmission, primary channel", "test"),
  "0103": s("test transmission, redundant channel", "test"),
  "0104": s("time out", "fault"),
  "0105": s("trouble", "fault"),
  "0106": s("trespass", "alarm"),
  "0107": s("unauthorized access", "alarm"),
  "0108": s("unbypass", "state"),
  "0109": s("verified", "info"),
  "0110": s("assistance", "alarm"),
  "0111": s("check-out (intervention completed)", "restore"),
  "0112": s("communication link, IP, re-established", "restore"),
  "0113": s("communication link, mobile network, re-established", "restore"),
  "0114": s("communication link, POTS, re-established", "restore"),
  "0115": s("communication link, primary, re-established", "restore"),
  "0116": s("communication link, redundant, re-established", "restore"),
  "0117": s("lying in bed", "state"),
  "0118": s("locked", "state"),
  "0119": s("movement", "state"),
  "0120": s("occupancy", "state"),
  "0121": s("present, home", "state"),
  "0122": s("radio interference", "fault"),
  "0123": s("radio test transmission missing", "fault"),
  "0124": s("radio test transmission re-established", "restore"),
  "0125": s("tamper alarm", "fault"),
  "0126": s("temperature rate of rise", "state"),
  "0127": s("unlocked", "state")
}

/**
 * Who a device type serves: "care" devices watch a person (a code we cannot read from one is treated as
 * an alarm, so nobody waits on a table), "technical" ones watch the installation.
 */
export type DeviceClass = "care" | "technical"

const d = (meaning: string, klass: DeviceClass) => ({ meaning, class: klass }) as const

/** Annex A, Table A.1 (0000-0051). 0900-0999 are vendor-specific, read as care devices. */
export const DeviceTypes: Readonly<Record<string, { readonly meaning: string; readonly class: DeviceClass }>> = {
  "0000": d("unknown", "care"),
  "0001": d("undefined", "care"),
  "0002": d("local unit & controller", "care"),
  "0003": d("personal trigger/pendant", "care"),
  "0004": d("fixed trigger", "care"),
  "0005": d("fall trigger/detector", "care"),
  "0006": d("personal attack pendant", "care"),
  "0007": d("panic alarm button", "care"),
  "0008": d("duty switch remote", "care"),
  "0009": d("duty switch local", "care"),
  "0010": d("activity detector", "care"),
  "0011": d("pill dispenser", "care"),
  "0012": d("bed monitor", "care"),
  "0013": d("mat sensor", "care"),
  "0014": d("door sensor", "care"),
  "0015": d("wandering sensor", "care"),
  "0016": d("enuresis detector", "care"),
  "0017": d("epilepsy detector", "care"),
  "0018": d("occupancy detector", "care"),
  "0019": d("heart rate monitor", "care"),
  "0020": d("environmental monitor", "care"),
  "0021": d("(natural) gas detector", "care"),
  "0022": d("lighting circuit monitor", "technical"),
  "0023": d("smoke detector", "care"),
  "0024": d("heating system monitor", "technical"),
  "0025": d("heat detector", "care"),
  "0026": d("carbon monoxide gas detector", "care"),
  "0027": d("bogus caller switch", "care"),
  "0028": d("intruder detector", "care"),
  "0029": d("boundary detector", "care"),
  "0030": d("(automatic) man down detector", "care"),
  "0031": d("system monitor", "technical"),
  "0032": d("communication link monitor", "technical"),
  "0033": d("flood detector", "care"),
  "0034": d("bath sensor", "care"),
  "0035": d("latch key", "care"),
  "0036": d("perimeter", "care"),
  "0037": d("sprinkler", "care"),
  "0038": d("tamper", "technical"),
  "0039": d("printer", "technical"),
  "0040": d("router", "technical"),
  "0041": d("power supply, DC", "technical"),
  "0042": d("electric lock", "care"),
  "0043": d("access controller", "care"),
  "0044": d("chair monitor", "care"),
  "0045": d("controller", "care"),
  "0046": d("elevator alarm unit", "care"),
  "0047": d("fire alarm system", "care"),
  "0048": d("local unit", "care"),
  "0049": d("monitoring device", "technical"),
  "0050": d("radio unit", "technical"),
  "0051": d("tracking device", "care")
}

/** Annex D, Table D.1 (000-052): where in the home an event was raised. */
export const LocationCodes: Readonly<Record<string, string>> = {
  "000": "unknown", "001": "undefined", "002": "home", "003": "away", "004": "indoors", "005": "outdoors",
  "006": "inside", "007": "outside", "008": "area", "009": "zone", "010": "basement", "011": "bathroom/WC",
  "012": "bedroom", "013": "dining room", "014": "floor", "015": "garage", "016": "garden", "017": "garden, back",
  "018": "garden, front", "019": "geo fence", "020": "gym", "021": "kitchen", "022": "laundry", "023": "relax",
  "024": "sauna", "025": "stairs", "026": "study room", "027": "workshop", "028": "loft", "029": "shed",
  "030": "temporary address", "031": "summer house", "032": "winter cottage", "033": "mobile without fixed location",
  "034": "geographic position attached", "035": "GPS position attached", "036": "property/estate",
  "037": "handicap WC", "038": "door", "039": "front door", "040": "back door", "041": "fire door", "042": "hallway",
  "043": "living room", "044": "apartment", "045": "bungalow", "046": "lounge", "047": "communal area",
  "048": "office", "049": "room", "050": "site", "051": "ward", "052": "wing"
}

/**
 * The status numbers (`<snu>`) of a Message Response, SS 91100:2014 Table 2. The brief of this codebase
 * counts 0-7; the standard adds 10 and 99. Which one the receiver answers when is in message-response.ts.
 */
export const StatusNumbers = {
  ok: 0,
  messageTooLong: 1,
  invalidFormat: 2,
  wrongDataContent: 3,
  hold: 4,
  notTreated: 5,
  busy: 6,
  mandatoryTagMissing: 7,
  referenceMissing: 10,
  undefinedError: 99
} as const
export type StatusNumber = (typeof StatusNumbers)[keyof typeof StatusNumbers]

export const StatusNumberMeanings: Readonly<Record<StatusNumber, string>> = {
  0: "ok: the alarm has been handled, no further action",
  1: "message too long",
  2: "invalid format",
  3: "wrong data content",
  4: "hold: the alarm is being processed, resend for updated status",
  5: "not treated or not distributed: try the next alarm action",
  6: "busy: try again later or proceed with the next alarm action",
  7: "mandatory tag is missing",
  10: "reference missing",
  99: "undefined error"
}
