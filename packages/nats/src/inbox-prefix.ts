import type { NatsConnection } from "@nats-io/transport-node"

/**
 * The inbox prefix the connection was opened with (`inboxPrefix`), which its user's subscribe
 * permission names; undefined for the client's default `_INBOX`. The option is kept on the
 * connection object, though not in its type.
 */
export const inboxPrefixOfConnection = (nc: NatsConnection): string | undefined => {
  const prefix = (nc as unknown as { readonly options?: { readonly inboxPrefix?: unknown } }).options?.inboxPrefix
  return typeof prefix === "string" && prefix !== "" ? prefix : undefined
}
