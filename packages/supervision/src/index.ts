export { type Absence, absenceEvent, absenceEventId, absenceOfCheck, type AbsenceTag } from "./absence.ts"
export { type CheckChange, doseKey, type FollowedSign, followedSignOf, type Observation, observe } from "./expectations.ts"
export {
  DeviceSighting,
  isSilent,
  markSilenceRaised,
  registeredSighting,
  sighted,
  silenceDeadlineMs
} from "./heartbeat.ts"
export {
  type ClockTime,
  type DailyWindow,
  instantOfLocal,
  isWithinWindow,
  localDate,
  localMinuteOfDay,
  minutesOf,
  zoneOffsetMs
} from "./local-time.ts"
export { active, activitySince, markMorningRaised, type MorningWindow, morningWindow, type QuietMorning, quietMorningIn, ResidentActivity } from "./morning.ts"
export {
  CheckKind,
  checkKey,
  type CheckRef,
  type CheckStart,
  clear,
  clearDoseTakenAt,
  deadlineMs,
  DoseDetail,
  due,
  isDue,
  markRaised,
  openedAtMs,
  PendingCheck,
  start
} from "./pending-checks.ts"
export { LookAgenda } from "./look-agenda.ts"
export { DefaultPolicy, type Grace, graceS, intervalOrDefault, type SupervisionPolicy } from "./policy.ts"
export { type FollowedStart, followedLaneStart, kvAfterFor, kvWriteDue, pagesOf, type Sign, SignsOfLifePage, withNewerSign } from "./signs-journal.ts"
