/** A P1 an operator will answer, and when. */
export interface DueAnswer {
  readonly incidentId: string
  readonly dueAt: number
}

/**
 * One look at what an operator has to answer now: up to 8 incidents whose time has come are
 * claimed, then resolved, at once. True when there was something to answer. Shared by the
 * benchmark's and the fault suite's operators, which answer every P1 as a centre does.
 */
export const answerDue = async (
  queue: Array<DueAnswer>,
  command: (path: string, body: unknown) => Promise<number>,
  cause: string,
  counted: (resolved: boolean) => void
): Promise<boolean> => {
  const now = Date.now()
  const due: Array<string> = []
  while (queue.length > 0 && queue[0]!.dueAt <= now && due.length < 8) due.push(queue.shift()!.incidentId)
  if (due.length === 0) return false
  await Promise.all(due.map(async (id) => {
    const claimed = await command(`/api/incidents/${encodeURIComponent(id)}/claim`, {})
    const resolved = claimed === 200 ? await command(`/api/incidents/${encodeURIComponent(id)}/resolve`, { cause }) : claimed
    counted(resolved === 200)
  }))
  return true
}
