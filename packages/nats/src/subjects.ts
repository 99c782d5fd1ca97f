/** The tenant token of a `wt.dev.*`, `wt.inc.*` or `wt.audit.*` subject. */
export const tenantOfSubject = (subject: string): string | undefined => {
  const parts = subject.split(".", 3)
  if (parts.length < 3 || parts[0] !== "wt") return undefined
  return parts[1] === "dev" || parts[1] === "inc" || parts[1] === "audit" ? parts[2] : undefined
}
