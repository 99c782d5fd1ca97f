/**
 * Given–when–then for a decider, in the style of Emmett's DeciderSpecification: the state is what
 * the given events evolve to from the initial state, the command is decided against it, and the
 * outcome is checked as the events it produced, as nothing, or as the refusal. For tests only.
 *
 * ```ts
 * const given = DeciderSpecification.for({ decide, evolve, initialState })
 * given([opened]).when(claim(kari)).then([claimedBy(kari)])
 * given([opened, claimedBy(kari)]).when(claim(kari)).thenNothingHappened()
 * given([opened, claimedBy(kari)]).when(claim(ola)).thenFails("AlreadyClaimed")
 * ```
 *
 * A decider here refuses by returning a failed `Result`, never by throwing, so the refusal is
 * checked by its `_tag` (`thenFails`) rather than by a thrown error.
 */
import { expect } from "@effect/vitest"
import { Result } from "effect"

/** The pure core of an event-sourced aggregate: which events a command yields, and how an event changes the state. */
export interface Decider<Command, Event, State, Rejection> {
  readonly decide: (command: Command, state: State) => Result.Result<ReadonlyArray<Event>, Rejection>
  readonly evolve: (state: State, event: Event) => State
  readonly initialState: () => State
}

/** What a decided command is checked against. Each check fails the test when the outcome is another. */
export interface DeciderOutcome<Event, State, Rejection extends { readonly _tag: string }> {
  /**
   * The command was accepted and yielded exactly these events, in this order. Returns the state
   * after them, for checks of the state as well.
   *
   * (Named as in Emmett. It makes the outcome a "thenable": do not `await` it or return it from an
   * async function.)
   */
  readonly then: (expected: ReadonlyArray<Event>) => State
  /** The command was accepted and yielded nothing: a retry, or something already recorded. Returns the state, unchanged. */
  readonly thenNothingHappened: () => State
  /** The command was refused with this tag. Returns the refusal, for checks of what it says. */
  readonly thenFails: <Tag extends Rejection["_tag"]>(tag: Tag) => Extract<Rejection, { readonly _tag: Tag }>
}

export interface DeciderGiven<Command, Event, State, Rejection extends { readonly _tag: string }> {
  readonly when: (command: Command) => DeciderOutcome<Event, State, Rejection>
}

const describeResult = (result: Result.Result<ReadonlyArray<unknown>, { readonly _tag: string }>): string =>
  Result.isSuccess(result) ? `${result.success.length} event(s)` : `refused with ${result.failure._tag}`

export const DeciderSpecification = {
  /** `given(events)`: the history the command is decided against (`[]`: nothing yet). */
  for: <Command, Event, State, Rejection extends { readonly _tag: string }>(
    decider: Decider<Command, Event, State, Rejection>
  ) =>
  (events: ReadonlyArray<Event>): DeciderGiven<Command, Event, State, Rejection> => ({
    when: (command) => {
      const before = events.reduce(decider.evolve, decider.initialState())
      const result = decider.decide(command, before)
      const accepted = (): ReadonlyArray<Event> => {
        if (Result.isFailure(result)) expect.unreachable(`expected the command to be accepted, but it was ${describeResult(result)}: ${JSON.stringify(result.failure)}`)
        return result.success
      }
      return {
        then: (expected) => {
          const produced = accepted()
          expect(produced).toEqual(expected)
          return produced.reduce(decider.evolve, before)
        },
        thenNothingHappened: () => {
          expect(accepted()).toEqual([])
          return before
        },
        thenFails: (tag) => {
          if (Result.isSuccess(result)) expect.unreachable(`expected the command to be refused with ${tag}, but it was accepted with ${describeResult(result)}`)
          expect(result.failure._tag).toBe(tag)
          return result.failure as Extract<Rejection, { readonly _tag: typeof tag }>
        }
      }
    }
  })
}
