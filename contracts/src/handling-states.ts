/**
 * National handling-log states (Norsk helsenett VKP) and their names. No imports, so the
 * web app can take it without the schemas (`@wt/contracts/handling-states`).
 */
export const HandlingStates: Readonly<Record<number, string>> = {
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
