import type { ConfirmedAddress } from "@wt/contracts"
import type { Rng } from "@wt/seeded-random"

export interface Behaviour {
  /** Share of offers accepted, rejected; the rest go unanswered (and time out). */
  readonly acceptShare: number
  readonly rejectShare: number
  /** Share of arrivals reported at the wrong place (the resident's old address, say). */
  readonly wrongAddressShare: number
  /** Compressed time: one minute of ETA or visit takes this many ms. */
  readonly msPerMinute: number
}

export const DemoBehaviour: Behaviour = { acceptShare: 0.8, rejectShare: 0.1, wrongAddressShare: 0, msPerMinute: 1000 }

export type OfferResponse =
  | { readonly kind: "accept"; readonly afterMs: number; readonly etaMinutes: number; readonly startMs: number; readonly travelMs: number; readonly visitMs: number; readonly wrongAddress: boolean }
  | { readonly kind: "reject"; readonly afterMs: number }
  | { readonly kind: "ignore" }

/** What a team does with one offer: accept after a few seconds and carry it out, reject, or not answer. */
export const respondToOffer = (rng: Rng, b: Behaviour): OfferResponse => {
  const r = rng.next()
  if (r < b.acceptShare) {
    const etaMinutes = rng.int(4, 15)
    return {
      kind: "accept",
      afterMs: rng.int(2000, 5000),
      etaMinutes,
      startMs: rng.int(500, 1500),
      travelMs: Math.round(etaMinutes * b.msPerMinute * (0.7 + rng.next() * 0.4)),
      visitMs: rng.int(5, 15) * b.msPerMinute,
      wrongAddress: rng.chance(b.wrongAddressShare)
    }
  }
  if (r < b.acceptShare + b.rejectShare) return { kind: "reject", afterMs: rng.int(1000, 4000) }
  return { kind: "ignore" }
}

/** Where the responder reports arrival: within a few metres of the address, or a few km off. */
export const arrivalPosition = (rng: Rng, address: ConfirmedAddress, wrong: boolean) => {
  const spread = wrong ? 0.03 : 0.0001
  return { lat: address.lat + (rng.next() - 0.5) * spread, lon: address.lon + (rng.next() - 0.5) * spread, accuracyM: rng.int(5, 20) }
}

export const outcomes = ["Helped up, no injury", "Assisted to bed", "Pain in hip; ambulance not needed, GP informed", "False alarm, resident well", "Comforted resident, checked medication"]
