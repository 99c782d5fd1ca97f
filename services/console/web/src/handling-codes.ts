import { HandlingStates } from "@wt/contracts/handling-states"

/** The national handling-log codes (VKP), as the operator sees them. */
export const handlingCodes = HandlingStates

/** The codes a note may be filed under (the server's `HandlingCode`). */
export const noteCodes = [8, 10, 1, 4, 5, 9, 3, 0] as const

export const codeLabel = (code: number | undefined) =>
  code === undefined ? "" : `${code} ${handlingCodes[code] ?? ""}`.trim()
