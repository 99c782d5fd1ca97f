/** What a JetStream message's reply subject says about its delivery. */
export interface DeliveryInfo {
  /** The server's delivery count, 1 on the first delivery. */
  readonly deliveries: number
  readonly streamSeq: number
  /** The consumer's own count of deliveries: one more than the last for a message delivered in order. */
  readonly consumerSeq: number
  /** When JetStream stored the message (ms since the epoch). */
  readonly storedAtMs: number
  /** Messages the consumer still had to deliver after this one. */
  readonly pending: number
}

// Where the dots of the subject being read are; the subjects have at most 12 tokens.
const dots = new Int32Array(16)

/** The decimal number in s[from, to), or -1 when it is not one. */
const numberIn = (s: string, from: number, to: number): number => {
  if (from >= to) return -1
  let value = 0
  for (let i = from; i < to; i++) {
    const digit = s.charCodeAt(i) - 48
    if (digit < 0 || digit > 9) return -1
    value = value * 10 + digit
  }
  return value
}

/**
 * Reads the reply subject of a JetStream delivery, `$JS.ACK.<stream>.<consumer>.<delivered>.<stream
 * seq>.<consumer seq>.<stored ns>.<pending>`, or the longer form with a domain and an account hash
 * after `$JS.ACK.` (and a token at the end). The client's `msg.info` reads the same by splitting the
 * subject into a dozen strings and parsing each, for every message a consumer takes; this scans it
 * once. Undefined when the subject has neither form (the caller then asks the client, which throws).
 */
export const deliveryInfoOf = (reply: string): DeliveryInfo | undefined => {
  if (!reply.startsWith("$JS.ACK.")) return undefined
  let count = 0
  for (let at = reply.indexOf("."); at !== -1; at = reply.indexOf(".", at + 1)) {
    if (count === dots.length) return undefined
    dots[count++] = at
  }
  const tokens = count + 1
  // The index of the <delivered> token.
  const first = tokens === 9 ? 4 : tokens >= 11 ? 6 : -1
  if (first === -1) return undefined
  const token = (i: number) => numberIn(reply, dots[i - 1]! + 1, i < count ? dots[i]! : reply.length)
  const deliveries = token(first)
  const streamSeq = token(first + 1)
  const consumerSeq = token(first + 2)
  const storedNs = token(first + 3)
  const pending = token(first + 4)
  if (deliveries < 0 || streamSeq < 0 || consumerSeq < 0 || storedNs < 0 || pending < 0) return undefined
  return { deliveries, streamSeq, consumerSeq, storedAtMs: storedNs / 1e6, pending }
}
