import { Config, Duration } from "effect"

/**
 * How failed sign-ins are slowed down, for one scope (a user name, a client address, a browser
 * the user signed in from before). The first `freeFailures` cost nothing (typing mistakes);
 * each further failure makes the next attempt wait, twice as long each time from one second up
 * to `maxDelayMs`; the `lockAfter`-th failure, and each one after it, locks the scope for
 * `lockForMs`. Failures are forgotten after `windowMs` without one, and a user's on success.
 */
export interface ThrottlePolicy {
  readonly freeFailures: number
  readonly lockAfter: number
  readonly maxDelayMs: number
  readonly lockForMs: number
  readonly windowMs: number
}

/** How long the next attempt waits after the `failures`-th consecutive failure. */
export const waitAfterFailure = (policy: ThrottlePolicy, failures: number): number => {
  if (failures <= policy.freeFailures) return 0
  if (failures >= policy.lockAfter) return policy.lockForMs
  return Math.min(1000 * 2 ** (failures - policy.freeFailures - 1), policy.maxDelayMs, policy.lockForMs)
}

/** Whether the wait after the `failures`-th failure is a lock (told to the user as such) rather than a delay. */
export const isLock = (policy: ThrottlePolicy, failures: number): boolean => failures >= policy.lockAfter

/** The failures a scope starts the next attempt from: none once the window has passed without one. */
export const failuresSoFar = (policy: ThrottlePolicy, failures: number, msSinceLastFailure: number): number =>
  msSinceLastFailure > policy.windowMs ? 0 : failures

export interface SignInPolicies {
  readonly user: ThrottlePolicy
  readonly address: ThrottlePolicy
  readonly knownDevice: ThrottlePolicy
  /** How long a browser stays known after a sign-in from it. */
  readonly knownDeviceMs: number
}

const ms = (d: Duration.Duration) => Duration.toMillis(d)

/**
 * `WT_SIGNIN_LOCK_AFTER` (10) failures lock a user name for `WT_SIGNIN_LOCK_DURATION` (15
 * minutes); delays grow from the 6th. A client address, which many staff may share (one NAT, one
 * proxy), gets 20 free failures and is locked after `WT_SIGNIN_ADDRESS_LOCK_AFTER` (100).
 * Delays are capped at `WT_SIGNIN_MAX_DELAY` (1 minute); failures are forgotten after
 * `WT_SIGNIN_FAILURE_WINDOW` (1 hour) without one. A browser where the user signed in before
 * (`wt_device` cookie, `WT_SIGNIN_KNOWN_DEVICE_DAYS`, 180) is throttled on its own, like a user
 * name, instead of sharing the user name's and the address's lock.
 */
export const SignInConfig = Config.all({
  lockAfter: Config.Int("WT_SIGNIN_LOCK_AFTER").pipe(Config.withDefault(10)),
  addressLockAfter: Config.Int("WT_SIGNIN_ADDRESS_LOCK_AFTER").pipe(Config.withDefault(100)),
  lockFor: Config.Duration("WT_SIGNIN_LOCK_DURATION").pipe(Config.withDefault(Duration.minutes(15))),
  maxDelay: Config.Duration("WT_SIGNIN_MAX_DELAY").pipe(Config.withDefault(Duration.minutes(1))),
  window: Config.Duration("WT_SIGNIN_FAILURE_WINDOW").pipe(Config.withDefault(Duration.hours(1))),
  knownDeviceDays: Config.Int("WT_SIGNIN_KNOWN_DEVICE_DAYS").pipe(Config.withDefault(180))
}).pipe(
  Config.map((c): SignInPolicies => {
    const common = { maxDelayMs: ms(c.maxDelay), lockForMs: ms(c.lockFor), windowMs: ms(c.window) }
    const lockAfter = Math.max(1, c.lockAfter)
    const addressLockAfter = Math.max(1, c.addressLockAfter)
    return {
      user: { ...common, freeFailures: Math.min(5, lockAfter - 1), lockAfter },
      address: { ...common, freeFailures: Math.min(20, addressLockAfter - 1), lockAfter: addressLockAfter },
      knownDevice: { ...common, freeFailures: Math.min(5, lockAfter - 1), lockAfter },
      knownDeviceMs: Math.max(1, c.knownDeviceDays) * 24 * 3600 * 1000
    }
  })
)
