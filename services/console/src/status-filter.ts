import { Result } from "effect"
import { ActiveStatuses, IncidentStatus } from "@wt/contracts"
import { InvalidStatusFilter } from "./api-errors.ts"

const known = new Set<string>(IncidentStatus.literals)

/**
 * `?status=` of the incident list: a comma list of statuses, where `active` stands for
 * every status in which someone still has to act. Absent means `active`: the queue.
 */
export const parseStatusFilter = (raw: string | undefined): Result.Result<ReadonlyArray<IncidentStatus>, InvalidStatusFilter> => {
  const wanted = (raw ?? "active").split(",").map((s) => s.trim()).filter((s) => s.length > 0)
  const statuses = new Set<IncidentStatus>()
  for (const status of wanted.length === 0 ? ["active"] : wanted) {
    if (status === "active") ActiveStatuses.forEach((s) => statuses.add(s))
    else if (known.has(status)) statuses.add(status as IncidentStatus)
    else return Result.fail(new InvalidStatusFilter({ message: `unknown status "${status.slice(0, 40)}"; use active or one of ${[...known].join(", ")}` }))
  }
  return Result.succeed([...statuses])
}
