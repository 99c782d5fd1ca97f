/**
 * The operators' view during the faults: the console's live queue (`GET /api/stream`) on every
 * console copy at once, each reconnected when its copy dies or restarts. An incident record
 * counts when the first copy shows it, as an operator watching either copy would see it. An
 * operator answers each P1 (claim, then resolve) a few seconds after it shows, as a centre
 * does: left unanswered, each would be escalated every 30 s and load the system as no
 * answered queue does.
 */

import { answerDue, type DueAnswer } from "../support/answer-due.ts"

/** When each device event was first seen in an incident record on a live queue, and the gateway's receipt stamp. */
export interface Arrival {
  readonly at: number
  readonly receivedAt: number
}

const AnswerAfterMs = 3_000

export const watchLiveQueue = (options: { readonly consoleUrls: ReadonlyArray<string>; readonly token: string }) => {
  const arrivals = new Map<string, Arrival>()
  const answers = { resolved: 0, refused: 0 }
  const toAnswer: Array<DueAnswer> = []
  const answered = new Set<string>()
  const connects = options.consoleUrls.map(() => 0)
  let stopped = false
  const controllers = new Set<AbortController>()

  const onRecord = (record: any, at: number) => {
    const ev = record?.event
    if (ev === undefined) return
    const incidentId: string | undefined = record?.state?.incidentId
    if (ev.type === "incident_opened" && record?.state?.priority === "P1" && incidentId !== undefined && !answered.has(incidentId)) {
      answered.add(incidentId)
      toAnswer.push({ incidentId, dueAt: at + AnswerAfterMs })
    }
    if (ev.type !== "incident_opened" && ev.type !== "device_event_correlated") return
    const id: string | undefined = ev.deviceEvent?.id
    if (id === undefined || arrivals.has(id)) return
    arrivals.set(id, { at, receivedAt: Date.parse(ev.deviceEvent.receivedAt) })
  }

  const follow = async (url: string, index: number) => {
    while (!stopped) {
      const controller = new AbortController()
      controllers.add(controller)
      try {
        const response = await fetch(`${url}/api/stream`, {
          headers: { authorization: `Bearer ${options.token}`, accept: "text/event-stream" },
          signal: controller.signal
        })
        if (!response.ok || response.body === null) throw new Error(`stream answered ${response.status}`)
        connects[index]!++
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
        let buffer = ""
        while (true) {
          const { done, value } = await reader.read()
          if (done) break
          buffer += value
          let cut: number
          while ((cut = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, cut)
            buffer = buffer.slice(cut + 2)
            const at = Date.now()
            let event = "message"
            const data: Array<string> = []
            for (const line of block.split("\n")) {
              if (line.startsWith("event:")) event = line.slice(6).trim()
              else if (line.startsWith("data:")) data.push(line.slice(5).trimStart())
            }
            if (event === "incident" && data.length > 0) {
              try {
                onRecord(JSON.parse(data.join("\n")), at)
              } catch {
                // not a record: ignore
              }
            }
          }
        }
      } catch {
        // the copy went away: reconnect below
      } finally {
        controllers.delete(controller)
      }
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, 500))
    }
  }

  const command = async (path: string, body: unknown): Promise<number> => {
    // Any copy will do: sessions live in PostgreSQL.
    for (const url of options.consoleUrls) {
      try {
        const response = await fetch(`${url}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${options.token}` },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(10_000)
        })
        await response.arrayBuffer()
        if (response.status < 500) return response.status
      } catch {
        // next copy
      }
    }
    return 0
  }

  const answering = (async () => {
    while (!stopped) {
      const anyDue = await answerDue(toAnswer, command, "fault suite, resident reassured", (resolved) => {
        if (resolved) answers.resolved++
        else answers.refused++
      })
      if (!anyDue) await new Promise((resolve) => setTimeout(resolve, 200))
    }
  })()

  const following = options.consoleUrls.map((url, i) => follow(url, i))

  return {
    arrivals: arrivals as ReadonlyMap<string, Arrival>,
    answers: () => ({ ...answers }),
    /** How many times each console copy's stream was (re)connected. */
    connects: () => [...connects],
    stop: async () => {
      stopped = true
      for (const c of controllers) c.abort()
      await Promise.all([answering, ...following])
    }
  }
}

export type LiveQueue = ReturnType<typeof watchLiveQueue>
