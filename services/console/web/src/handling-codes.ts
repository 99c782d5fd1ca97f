/** The national handling-log codes (VKP), as the operator sees them. */
export const handlingCodes: Record<number, string> = {
  0: "reported",
  1: "being handled",
  3: "acknowledged",
  4: "sent to call-out",
  5: "call-out done",
  6: "cause",
  7: "action",
  8: "conversation",
  9: "measure taken",
  10: "other actor"
}

/** The codes a note may be filed under (the server's `HandlingCode`). */
export const noteCodes = [8, 10, 1, 4, 5, 9, 3, 0] as const

export const codeLabel = (code: number | undefined) =>
  code === undefined ? "" : `${code} ${handlingCodes[code] ?? ""}`.trim()
