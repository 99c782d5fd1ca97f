import type { Nats } from "@wt/nats"
import { Effect } from "effect"

export interface RawMessage {
  readonly subject: string
  readonly bytes: Uint8Array
  readonly msgId: string
}

/**
 * Publishes straight to JetStream with at most `window` publishes awaiting their ack:
 * the fastest a single client gets events stored, with nothing of ours in between (the nats.js
 * client's own `js.publish`, through the service's `use`). Returns how many the server stored (acks that were not duplicates).
 */
export const publishWindowed = (nats: Nats["Service"], messages: ReadonlyArray<RawMessage>, window: number): Effect.Effect<{ stored: number; failed: number }> =>
  Effect.orDie(nats.use(async ({ js }) => {
    let next = 0, stored = 0, failed = 0
    const worker = async () => {
      while (next < messages.length) {
        const m = messages[next++]!
        try {
          const ack = await js.publish(m.subject, m.bytes, { msgID: m.msgId })
          if (!ack.duplicate) stored++
        } catch {
          failed++
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(window, messages.length) }, worker))
    return { stored, failed }
  }))
