import { Effect } from "effect"

export interface SseEvent {
  readonly event: string
  readonly data: any
  readonly receivedAt: number
}

/** Opens an SSE stream with a bearer token and collects its events until closed. */
export const openStream = (url: string, token: string) =>
  Effect.promise(async () => {
    const controller = new AbortController()
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" }, signal: controller.signal })
    if (!response.ok || response.body === null) throw new Error(`stream answered ${response.status}`)
    const events: Array<SseEvent> = []
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
    let buffer = ""
    void (async () => {
      try {
        while (true) {
          const { done, value } = await reader.read()
          if (done) return
          buffer += value
          let cut: number
          while ((cut = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, cut)
            buffer = buffer.slice(cut + 2)
            let event = "message"
            const data: Array<string> = []
            for (const line of block.split("\n")) {
              if (line.startsWith("event:")) event = line.slice(6).trim()
              else if (line.startsWith("data:")) data.push(line.slice(5).trimStart())
            }
            if (data.length > 0) {
              const text = data.join("\n")
              let parsed: unknown = text
              try {
                parsed = JSON.parse(text)
              } catch {
                // plain text data
              }
              events.push({ event, data: parsed, receivedAt: Date.now() })
            }
          }
        }
      } catch {
        // aborted
      }
    })()
    return { events, close: () => controller.abort() }
  })
