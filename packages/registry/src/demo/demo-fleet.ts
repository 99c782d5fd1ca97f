import { makeRng, type Rng } from "@wt/seeded-random"
import type { Address, Contact, FleetDevice, Geofence, GpsLegalBasis, KeyAccess, Mobility, Resident, ResponsePlanStep, SensorKind } from "@wt/contracts"

/**
 * The demo tenant: a fictional municipality, "Fjordvik kommune", with residents,
 * their homes, next of kin and installed welfare technology. Every name, address,
 * phone number and key code here is invented. Pure and deterministic: the same
 * options always give the same fleet, so simulators, tests and the seeded registry agree.
 */

type SensorKindName = typeof SensorKind.Type

export interface DemoFleet {
  readonly tenant: { readonly id: string; readonly name: string }
  readonly residents: ReadonlyArray<Resident>
  readonly responsePlans: ReadonlyArray<ResponsePlanStep>
}

export interface DemoFleetOptions {
  readonly tenant?: string
  readonly residents?: number
  readonly seed?: number
}

export const DemoTenantId = "demo"
export const DemoTenantName = "Fjordvik kommune"
const DefaultSeed = 0x5eed_f70d
const DefaultResidents = 300
// Fixed reference date so the fleet does not change with the clock.
const ReferenceYear = 2026


const givenNames = {
  nb: {
    f: ["Kari", "Ingrid", "Astrid", "Solveig", "Randi", "Bjørg", "Liv", "Gerd", "Anne", "Marit", "Berit", "Inger", "Ragnhild", "Signe", "Sigrid", "Aud", "Turid", "Else", "Gunvor", "Reidun", "Torunn", "Margit", "Åse", "Oddbjørg"],
    m: ["Ole", "Per", "Jan", "Kjell", "Arne", "Knut", "Svein", "Bjørn", "Odd", "Terje", "Tor", "Egil", "Harald", "Einar", "Rolf", "Leif", "Magne", "Asbjørn", "Sverre", "Olav", "Nils", "Trygve", "Halvard", "Ivar"]
  },
  se: { f: ["Máret", "Biret", "Elle", "Sárá", "Ánne", "Inga"], m: ["Ánde", "Mikkel", "Niillas", "Jovnna", "Áslak", "Isak"] },
  en: { f: ["Margaret", "Susan", "Helen", "Patricia"], m: ["John", "David", "Robert", "Peter"] },
  pl: { f: ["Anna", "Krystyna", "Barbara", "Halina"], m: ["Krzysztof", "Stanisław", "Tadeusz", "Jerzy"] },
  sv: { f: ["Britt", "Gunilla", "Birgitta"], m: ["Lars", "Göran", "Bengt"] },
  ar: { f: ["Fatima", "Amina"], m: ["Ahmed", "Yusuf"] }
} as const
const familyNames = {
  nb: ["Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Jensen", "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen", "Johannessen", "Andreassen", "Jakobsen", "Dahl", "Halvorsen", "Henriksen", "Lund", "Strand", "Moe", "Bakke", "Nygård", "Solberg", "Lie", "Fjeldstad", "Vik", "Sjøberg", "Brekke", "Myrvang"],
  se: ["Somby", "Gaup", "Sara", "Eira", "Hætta", "Buljo", "Turi", "Utsi"],
  en: ["Smith", "Taylor", "Brown", "Wilson"],
  pl: ["Nowak", "Kowalski", "Wiśniewski", "Zieliński"],
  sv: ["Lindqvist", "Björk", "Sundberg"],
  ar: ["Haddad", "Hassan", "Nasser"]
} as const
type Language = keyof typeof familyNames
const languages: ReadonlyArray<readonly [Language | "nn", number]> = [
  ["nb", 80], ["nn", 4], ["se", 6], ["en", 3], ["pl", 4], ["sv", 2], ["ar", 1]
]

const streets = [
  "Fjordveien", "Kirkegata", "Havnegata", "Skolebakken", "Storgata", "Strandveien", "Bjørkeveien", "Furulia",
  "Granlia", "Solbakken", "Fjellveien", "Nordlysveien", "Bryggeveien", "Møllebakken", "Kaigata", "Rognveien",
  "Lyngveien", "Sjøgata", "Prestegårdsveien", "Elvebakken"
]
// Fictional postcodes and places inside the fictional municipality.
const places = [
  { postcode: "9990", city: "Fjordvik", lat: 69.148, lon: 17.412 },
  { postcode: "9991", city: "Fjordvik", lat: 69.156, lon: 17.438 },
  { postcode: "9993", city: "Nordbotn", lat: 69.201, lon: 17.301 },
  { postcode: "9995", city: "Sandnesvåg", lat: 69.097, lon: 17.527 },
  { postcode: "9997", city: "Skarvholmen", lat: 69.232, lon: 17.615 }
] as const
const shortTermCare = { street: "Fjordvik helsehus, korttidsavdeling", postcode: "9990", city: "Fjordvik", lat: 69.1502, lon: 17.4187 }

const healthNoteWeights: ReadonlyArray<readonly [string, number]> = [
  ["Diabetes type 2", 12],
  ["Insulin-dependent diabetes", 4],
  ["Hearing impaired, uses hearing aid", 14],
  ["Visually impaired", 6],
  ["Heart failure", 7],
  ["Atrial fibrillation, on anticoagulants", 8],
  ["COPD, home oxygen (fire risk)", 4],
  ["Parkinson's disease", 3],
  ["Previous stroke, right-side weakness", 5],
  ["Osteoporosis, previous hip fracture", 6],
  ["Pacemaker", 3],
  ["Allergic to penicillin", 3],
  ["Speech difficulties (aphasia)", 2],
  ["Smoker (fire risk)", 4],
  ["Dog in the home", 3]
]

const relations = ["daughter", "son", "spouse", "niece", "nephew", "neighbour", "friend", "sibling", "grandchild"] as const
const relationSex: Partial<Record<(typeof relations)[number], "f" | "m">> = { daughter: "f", niece: "f", son: "m", nephew: "m" }

const pad = (n: number, width: number): string => String(n).padStart(width, "0")
const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits
const isoDate = (year: number, month: number, day: number): string => `${year}-${pad(month, 2)}-${pad(day, 2)}`

interface Counters {
  alarm: number
  sensor: number
  gps: number
  medication: number
}

const personName = (rng: Rng, lang: Language, sex: "f" | "m"): string =>
  `${rng.pick(givenNames[lang][sex])} ${rng.pick(familyNames[lang])}`

// Fictional mobile numbers (Norwegian format); they are generated, not looked up.
const phone = (rng: Rng): string => `+47 ${rng.pick(["4", "9"])}${pad(rng.int(0, 9999999), 7)}`

const makeResident = (rng: Rng, index: number, counters: Counters): Resident => {
  const id = `res-${pad(index, 4)}`
  const langCode = rng.weighted(languages)
  const nameLang: Language = langCode === "nn" ? "nb" : langCode
  const sex = rng.chance(0.62) ? "f" : "m"
  const displayName = personName(rng, nameLang, sex)
  const family = displayName.split(" ").slice(1).join(" ")
  const elderly = rng.chance(0.85)
  const birthYear = elderly ? rng.int(1922, ReferenceYear - 76) : rng.int(1952, 1990)
  const dementia = elderly ? rng.chance(0.22) : rng.chance(0.02)

  const place = rng.pick(places)
  const lat = round(place.lat + (rng.next() - 0.5) * 0.03, 5)
  const lon = round(place.lon + (rng.next() - 0.5) * 0.08, 5)
  const home: Address = {
    kind: "home",
    street: `${rng.pick(streets)} ${rng.int(1, 60)}${rng.chance(0.15) ? rng.pick(["A", "B", "C"]) : ""}`,
    postcode: place.postcode,
    city: place.city,
    lat,
    lon
  }
  // A few residents are mid-move: a short-term care stay alongside the home address.
  const midMove = rng.chance(0.04)
  const stayStart = isoDate(ReferenceYear, rng.int(9, 11), rng.int(1, 28))
  const addresses: ReadonlyArray<Address> = midMove
    ? [
      { ...home, validTo: stayStart },
      { kind: "temporary", ...shortTermCare, validFrom: stayStart, validTo: isoDate(ReferenceYear + 1, rng.int(1, 3), rng.int(1, 28)) }
    ]
    : [home]

  const notes = new Set<string>()
  const noteCount = rng.weighted([[0, 15], [1, 40], [2, 30], [3, 15]] as const)
  for (let i = 0; i < noteCount; i++) notes.add(rng.weighted(healthNoteWeights))
  if (dementia) notes.add(rng.pick(["Dementia, mild", "Dementia, moderate", "Alzheimer's disease"]))
  const epilepsy = rng.chance(0.04)
  if (epilepsy) notes.add("Epilepsy")

  const mobility: Mobility = elderly
    ? rng.weighted([["independent", 35], ["walking_aid", 40], ["wheelchair", 15], ["bedbound", 10]] as const)
    : rng.weighted([["independent", 50], ["walking_aid", 10], ["wheelchair", 35], ["bedbound", 5]] as const)

  const devices: Array<FleetDevice> = []
  const nextId = (kind: keyof Counters, prefix: string): string => `${prefix}-${pad(++counters[kind], 6)}`
  const hasFallDetector = rng.chance(0.4)
  devices.push({
    id: nextId("alarm", "alarm"),
    type: "safety_alarm",
    placement: rng.pick(["living room", "hallway", "bedroom"]),
    heartbeatIntervalS: 60,
    triggers: hasFallDetector
      ? ["button", "pendant", "pull_cord", "fall_detector", "voice_call_failed"]
      : ["button", "pendant", "pull_cord", "voice_call_failed"]
  })
  const sensor = (kind: SensorKindName, placement: string): FleetDevice => ({
    id: nextId("sensor", "sens"),
    type: "sensor",
    sensor: kind,
    placement,
    heartbeatIntervalS: 60
  })
  if (rng.chance(0.7)) devices.push(sensor("smoke", rng.pick(["kitchen", "living room", "hallway"])))
  const supervision = dementia || rng.chance(0.45)
  if (supervision) {
    devices.push(sensor("bed", "bedroom"))
    devices.push(sensor("door", "front door"))
    devices.push(sensor("motion", rng.pick(["hallway", "kitchen", "living room"])))
  }
  if (dementia || notes.has("Smoker (fire risk)") || rng.chance(0.08)) devices.push(sensor("heat", "kitchen, above stove"))
  if (rng.chance(0.1)) devices.push(sensor("water", rng.pick(["bathroom", "kitchen"])))
  if (epilepsy) devices.push(sensor("epilepsy", "bedroom"))

  const keyKind = rng.weighted([["key_safe", 55], ["e_lock", 25], ["none", 20]] as const)
  let keyAccess: KeyAccess
  if (keyKind === "e_lock") {
    const lock = sensor("e_lock", "front door")
    devices.push(lock)
    keyAccess = { kind: "e_lock", lockId: lock.id }
  } else if (keyKind === "key_safe") {
    keyAccess = { kind: "key_safe", code: pad(rng.int(0, 9999), 4) }
  } else {
    keyAccess = { kind: "none" }
  }

  // GPS trackers are mostly for people with dementia, under §4-6a when they cannot consent.
  const gps = dementia ? rng.chance(0.6) : rng.chance(0.03)
  let gpsLegalBasis: GpsLegalBasis | undefined
  let geofence: Geofence | undefined
  if (gps) {
    devices.push({ id: nextId("gps", "gps"), type: "gps", placement: rng.pick(["worn on wrist", "in jacket", "in shoe"]), heartbeatIntervalS: 60 })
    gpsLegalBasis = dementia && rng.chance(0.7) ? "decision_4_6a" : "consent"
    geofence = { lat, lon, radiusM: rng.pick([250, 400, 500, 750, 1000, 1500]) }
  }
  if (rng.chance(0.2)) {
    devices.push({ id: nextId("medication", "med"), type: "medication", placement: "kitchen", heartbeatIntervalS: 60 })
  }

  const contactCount = rng.weighted([[1, 30], [2, 45], [3, 25]] as const)
  const contacts: Array<Contact> = []
  for (let i = 0; i < contactCount; i++) {
    const relation = rng.pick(relations)
    const contactLang: Language = nameLang === "se" || nameLang === "pl" || rng.chance(0.9) ? nameLang : "nb"
    const kin = relation !== "neighbour" && relation !== "friend"
    const contactSex = relationSex[relation] ?? (relation === "spouse" ? (sex === "f" ? "m" : "f") : rng.chance(0.5) ? "f" : "m")
    const given = rng.pick(givenNames[contactLang][contactSex])
    contacts.push({
      name: relation === "spouse" || (kin && rng.chance(0.6)) ? `${given} ${family}` : `${given} ${rng.pick(familyNames[contactLang])}`,
      relation,
      phone: phone(rng),
      // Whoever is called first should be able to let a responder in when there is no key safe.
      keyholder: i === 0 ? keyAccess.kind === "none" || rng.chance(0.6) : rng.chance(0.3)
    })
  }

  const responsePlanId = epilepsy ? "plan-epilepsy" : dementia ? "plan-dementia" : "plan-standard"

  return {
    id,
    displayName,
    birthYear,
    language: langCode,
    addresses,
    healthNotes: [...notes],
    mobility,
    keyAccess,
    dementia,
    ...(gpsLegalBasis !== undefined ? { gpsLegalBasis } : {}),
    ...(geofence !== undefined ? { geofence } : {}),
    contacts,
    responsePlanId,
    devices
  }
}

const commonSteps = {
  careAlarm: [
    "Answer the alarm call and speak to the resident",
    "If no answer or the resident needs help: dispatch home-care team with key access",
    "Call first contact on the list if home care cannot attend within 30 min",
    "Record outcome and handling code"
  ],
  fall: [
    "Call the resident through the alarm unit; ask about pain, head injury, ability to get up",
    "Dispatch home-care team with lifting equipment; do not ask the resident to get up alone",
    "Call ambulance (113) on suspected hip fracture, head injury or unconsciousness",
    "Inform first contact"
  ],
  fire: [
    "Alert the fire service (110) immediately; give address and key access",
    "Call the resident through the alarm unit; tell them to leave or stay behind a closed door",
    "Dispatch home-care team",
    "Inform first contact"
  ],
  water: ["Call the resident", "Dispatch home-care team or keyholder to shut off water", "Inform first contact"],
  bed: [
    "Call the resident through the alarm unit",
    "If no answer within 15 min of leaving bed: dispatch home-care team",
    "Record outcome"
  ],
  door: ["Call the resident through the alarm unit", "If no answer: check GPS position if any, dispatch home-care team"],
  gpsSos: [
    "Open the live position and call the resident's tracker",
    "Dispatch home-care team to the position",
    "Call police (112) if the resident cannot be found within 30 min"
  ],
  gpsZone: [
    "Check the live position and direction of travel",
    "Call the first contact and dispatch home-care team to the position",
    "Call police (112) if the resident cannot be found within 30 min or weather is severe"
  ],
  epilepsy: [
    "Dispatch home-care team at once",
    "Call ambulance (113) if the seizure lasts over 5 min or repeats",
    "Call first contact"
  ],
  medication: ["Call the resident and remind them of the dose", "If unanswered or critical medicine: dispatch home-care team"],
  technical: ["Check device status and last heartbeat", "Create service order for the technician", "Inform the resident if the alarm is out of service"]
}

const planEntries = (
  id: string,
  title: string,
  overrides: Partial<Record<string, ReadonlyArray<string>>>
): ReadonlyArray<ResponsePlanStep> => {
  const base: Record<string, ReadonlyArray<string>> = {
    "safety_alarm": commonSteps.careAlarm,
    "safety_alarm:fall_detector": commonSteps.fall,
    "sensor:smoke": commonSteps.fire,
    "sensor:heat": commonSteps.fire,
    "sensor:water": commonSteps.water,
    "sensor:bed": commonSteps.bed,
    "sensor:door": commonSteps.door,
    "sensor:epilepsy": commonSteps.epilepsy,
    "gps:sos": commonSteps.gpsSos,
    "gps": commonSteps.gpsZone,
    "medication": commonSteps.medication,
    "technical": commonSteps.technical
  }
  return Object.entries({ ...base, ...overrides }).map(([alarmType, steps]) => ({
    id,
    alarmType,
    title: `${title}: ${alarmType}`,
    steps: steps ?? []
  }))
}

const responsePlans: ReadonlyArray<ResponsePlanStep> = [
  ...planEntries("plan-standard", "Standard plan", {}),
  ...planEntries("plan-dementia", "Dementia plan", {
    "safety_alarm": [
      "Answer the alarm call; speak calmly and in the resident's language",
      "Dispatch home-care team; the resident may not be able to describe the problem",
      "Call first contact",
      "Record outcome and handling code"
    ],
    "sensor:door": [
      "Call the resident through the alarm unit",
      "Check GPS position if the resident has a tracker",
      "Dispatch home-care team at once if the resident has left the home at night"
    ]
  }),
  ...planEntries("plan-epilepsy", "Epilepsy plan", {
    "safety_alarm": [
      "Answer the alarm call; if no answer assume a seizure",
      "Dispatch home-care team at once",
      "Call ambulance (113) if the seizure lasts over 5 min",
      "Call first contact"
    ]
  })
]

export const demoFleet = (options: DemoFleetOptions = {}): DemoFleet => {
  const tenant = options.tenant ?? DemoTenantId
  const count = options.residents ?? DefaultResidents
  const rng = makeRng(options.seed ?? DefaultSeed)
  const counters: Counters = { alarm: 0, sensor: 0, gps: 0, medication: 0 }
  const residents: Array<Resident> = []
  for (let i = 1; i <= count; i++) residents.push(makeResident(rng, i, counters))
  return { tenant: { id: tenant, name: DemoTenantName }, residents, responsePlans }
}
