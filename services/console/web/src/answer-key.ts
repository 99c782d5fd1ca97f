import { useEffect, useRef } from "preact/hooks"
import type { Incident } from "./api.ts"
import { byUrgency, isUnclaimed } from "./format.ts"

/**
 * The key that answers the alarm sounding, wherever the operator is (the queue, or another
 * incident): it claims the incident the sound is for, the most urgent one waiting longest
 * unclaimed, whatever row is selected, and opens it with the resident's card.
 */
export const AnswerKey = "a"

/** The incident the sound is for: the most urgent, then oldest, that nobody has taken. */
export const nextToAnswer = (incidents: ReadonlyArray<Incident>): Incident | undefined =>
  incidents.filter(isUnclaimed).sort(byUrgency)[0]

const typing = (target: EventTarget | null) =>
  target instanceof HTMLElement && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable)

/** Calls `answer` when the answer key is pressed outside a text field (Esc leaves a field first). */
export const useAnswerKey = (answer: () => void) => {
  const latest = useRef(answer)
  latest.current = answer
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== AnswerKey || e.ctrlKey || e.metaKey || e.altKey || e.repeat || typing(e.target)) return
      e.preventDefault()
      latest.current()
    }
    window.addEventListener("keydown", onKey)
    return () => window.removeEventListener("keydown", onKey)
  }, [])
}
